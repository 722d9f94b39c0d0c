using System.Text.Json;
using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Engine.Embeddings;

/// <summary>How an encoder folder turns hidden states into one vector: from its <c>config.json</c>
/// (and a sentence-transformers <c>1_Pooling/config.json</c> when present).</summary>
internal sealed record EncoderConfig(string OnnxPath, PoolingMode Pooling, bool Normalize, int Dimensions, int MaxLength)
{
    public static EncoderConfig Load(string folder)
    {
        string path = Path.Combine(folder, "config.json");
        using (var document = ModelJson.Read(path))
        {
            var root = document.RootElement;
            string onnxFile = root.TryGetProperty("onnx_file", out var file) && file.ValueKind == JsonValueKind.String
                ? file.GetString()!
                : "model.onnx";
            string onnxPath = Path.Combine(folder, onnxFile);
            if (!File.Exists(onnxPath) && File.Exists(Path.Combine(folder, "onnx", "model.onnx")))
            {
                // Optimum's export layout.
                onnxPath = Path.Combine(folder, "onnx", "model.onnx");
            }

            int hidden = GenAiConfig.OptionalInt(root, "hidden_size")
                ?? throw new ModelLoadException($"{path}: hidden_size is missing.");
            int maxLength = GenAiConfig.OptionalInt(root, "max_length")
                ?? GenAiConfig.OptionalInt(root, "max_position_embeddings")
                ?? throw new ModelLoadException($"{path}: neither max_length nor max_position_embeddings is set.");
            var pooling = PoolingMode.Mean;
            if (root.TryGetProperty("pooling", out var p) && p.ValueKind == JsonValueKind.String)
            {
                pooling = p.GetString() switch
                {
                    "mean" => PoolingMode.Mean,
                    "cls" => PoolingMode.Cls,
                    var other => throw new ModelLoadException($"{path}: pooling '{other}' is not supported (mean, cls)."),
                };
            }
            else if (File.Exists(Path.Combine(folder, "1_Pooling", "config.json")))
            {
                using var st = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "1_Pooling", "config.json")));
                if (st.RootElement.TryGetProperty("pooling_mode_cls_token", out var cls) && cls.ValueKind == JsonValueKind.True)
                {
                    pooling = PoolingMode.Cls;
                }
            }

            bool normalize = !root.TryGetProperty("normalize", out var n) || n.ValueKind != JsonValueKind.False;
            int dimensions = GenAiConfig.OptionalInt(root, "dimensions") ?? hidden;
            return new EncoderConfig(onnxPath, pooling, normalize, dimensions, maxLength);
        }
    }
}

/// <summary>How token states become one vector.</summary>
internal enum PoolingMode
{
    /// <summary>Average over real (unmasked) tokens.</summary>
    Mean,

    /// <summary>The first token's state.</summary>
    Cls,
}
