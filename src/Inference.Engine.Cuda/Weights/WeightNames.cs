using System.Globalization;
using System.Text.RegularExpressions;
using Inference.Engine.Cuda.Onnx;

namespace Inference.Engine.Cuda.Weights;

/// <summary>
/// Finds each initializer's role from its name, or, where the exporter made it anonymous (Optimum's
/// <c>onnx::MatMul_123</c>), from the name of the node that uses it, which carries the module path
/// (<c>/model/layers.0/self_attn/q_proj/MatMul</c>). Covers Hugging Face module names (Optimum), ONNX Runtime
/// GenAI's builder (<c>model.layers.0.attn.q_proj.MatMul.weight</c>, the final norm as layer N) and short names
/// (<c>layers.0.wq</c>, <c>ln1</c>).
/// </summary>
internal static partial class WeightNames
{
    private static readonly (Regex Pattern, WeightRole Weight, WeightRole? Bias)[] LayerRoles =
    [
        (QkvPattern(), WeightRole.QueryKeyValue, WeightRole.QueryKeyValueBias),
        (QueryPattern(), WeightRole.Query, WeightRole.QueryBias),
        (KeyPattern(), WeightRole.Key, WeightRole.KeyBias),
        (ValuePattern(), WeightRole.Value, WeightRole.ValueBias),
        (OutputPattern(), WeightRole.AttentionOutput, null),
        (GatePattern(), WeightRole.Gate, null),
        (UpPattern(), WeightRole.Up, null),
        (DownPattern(), WeightRole.Down, null),
        (PostNormPattern(), WeightRole.MlpNorm, null),
        (InputNormPattern(), WeightRole.AttentionNorm, null),
    ];

    /// <summary>The role and layer (-1 for model-wide weights) of an initializer, or null when it is none of
    /// the decoder's weights (rotary caches, constants).</summary>
    public static (WeightRole Role, int Layer)? Classify(OnnxTensor tensor, OnnxGraphIndex graph, int layerCount)
    {
        string path = Normalise(IsAnonymous(tensor.Name) ? graph.ConsumerName(tensor.Name) ?? tensor.Name : tensor.Name);
        var layer = LayerPattern().Match(path);
        if (layer.Success)
        {
            int index = int.Parse(layer.Groups[1].Value, CultureInfo.InvariantCulture);
            string rest = path[(layer.Index + layer.Length)..];
            // ONNX Runtime GenAI's builder names the final norm as one layer past the last.
            if (index == layerCount && rest.Contains("norm", StringComparison.Ordinal))
            {
                return (WeightRole.FinalNorm, -1);
            }

            bool bias = tensor.Dims.Length == 1 && (rest.EndsWith("bias", StringComparison.Ordinal) || ShortBiasPattern().IsMatch(rest));
            foreach (var (pattern, weight, biasRole) in LayerRoles)
            {
                if (pattern.IsMatch(rest))
                {
                    return bias ? biasRole is { } b ? (b, index) : null : (weight, index);
                }
            }

            return null;
        }

        if (EmbeddingPattern().IsMatch(path))
        {
            return (WeightRole.Embedding, -1);
        }

        if (HeadPattern().IsMatch(path))
        {
            return (WeightRole.OutputHead, -1);
        }

        return FinalNormPattern().IsMatch(path) && tensor.Dims.Length == 1 ? (WeightRole.FinalNorm, -1) : null;
    }

    private static bool IsAnonymous(string name) =>
        name.StartsWith("onnx::", StringComparison.Ordinal) || !name.Any(char.IsLetter);

    private static string Normalise(string name) => name.Replace('/', '.').Trim('.').ToLowerInvariant();

    [GeneratedRegex(@"(?:^|\.)(?:layers|layer|h|blocks)\.(\d+)\.")]
    private static partial Regex LayerPattern();

    [GeneratedRegex(@"\bb[qkv]\b")]
    private static partial Regex ShortBiasPattern();

    [GeneratedRegex(@"qkv_proj|\bwqkv\b|query_key_value")]
    private static partial Regex QkvPattern();

    [GeneratedRegex(@"q_proj|\bwq\b|\bbq\b")]
    private static partial Regex QueryPattern();

    [GeneratedRegex(@"k_proj|\bwk\b|\bbk\b")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"v_proj|\bwv\b|\bbv\b")]
    private static partial Regex ValuePattern();

    [GeneratedRegex(@"o_proj|\bwo\b|\bdense\b")]
    private static partial Regex OutputPattern();

    [GeneratedRegex(@"gate_proj|\bwg\b|\bw1\b")]
    private static partial Regex GatePattern();

    [GeneratedRegex(@"up_proj|\bwu\b|\bw3\b")]
    private static partial Regex UpPattern();

    [GeneratedRegex(@"down_proj|\bwd\b|\bw2\b")]
    private static partial Regex DownPattern();

    [GeneratedRegex(@"post_attention_layernorm|\bln2\b|\bln_2\b|ffn_norm|mlp_norm")]
    private static partial Regex PostNormPattern();

    [GeneratedRegex(@"input_layernorm|\bln1\b|\bln_1\b|attention_norm|attn_norm")]
    private static partial Regex InputNormPattern();

    [GeneratedRegex(@"embed_tokens|\bembed\b|\bwte\b|tok_embeddings")]
    private static partial Regex EmbeddingPattern();

    [GeneratedRegex(@"lm_head|^output\b")]
    private static partial Regex HeadPattern();

    [GeneratedRegex(@"(?:^|\.)(?:norm|ln_f|final_layernorm|final_norm)\b")]
    private static partial Regex FinalNormPattern();
}
