using System.Text.Json;
using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Engine.Cuda.Weights;

/// <summary>
/// The shape of a Qwen2 / Llama-family decoder as Hugging Face's <c>config.json</c> describes it (with
/// <c>genai_config.json</c> as the fallback for what both carry): the only family this backend runs. Anything
/// else is refused with what is supported.
/// </summary>
internal sealed record DecoderArchitecture
{
    public const string Supported =
        "supported: Qwen2 / Llama-family decoders (model_type qwen2, llama or mistral: RMSNorm, rotary embedding " +
        "with default or llama3 scaling, grouped-query attention with optional q/k/v bias, SiLU-gated MLP, tied or " +
        "separate output head) with float32, float16 or bfloat16 initializers";

    private static readonly string[] Families = ["qwen2", "llama", "mistral"];

    public required string ModelType { get; init; }
    public required int HiddenSize { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }
    public required int KeyValueHeadCount { get; init; }
    public required int HeadSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int VocabSize { get; init; }
    public required int ContextLength { get; init; }
    public required float RmsNormEpsilon { get; init; }
    public required double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>Rows of the fused q/k/v projection.</summary>
    public int QkvRows => (HeadCount + (2 * KeyValueHeadCount)) * HeadSize;

    /// <summary>The <c>genai_config.json</c> facts the engine needs, for models made without a folder (random
    /// weights in benchmarks and tests).</summary>
    public GenAiConfig ToGenAiConfig() => new()
    {
        ModelType = ModelType,
        DecoderFileName = "",
        ContextLength = ContextLength,
        VocabSize = VocabSize,
        LayerCount = LayerCount,
        KeyValueHeadCount = KeyValueHeadCount,
        HeadSize = HeadSize,
        EosTokenIds = [0],
        PadTokenId = 0,
        InputIdsName = "input_ids",
        AttentionMaskName = null,
        PositionIdsName = null,
        PastKeyNamePattern = "",
        PastValueNamePattern = "",
        LogitsName = "logits",
        PresentKeyNamePattern = "",
        PresentValueNamePattern = "",
        Search = new SearchDefaults(false, 1f, 0, 1f, 1f, ContextLength),
    };

    /// <summary>Reads and checks <c>config.json</c> in <paramref name="folder"/> against <paramref name="genai"/>.</summary>
    public static DecoderArchitecture Load(string folder, GenAiConfig genai)
    {
        string path = Path.Combine(folder, "config.json");
        if (!File.Exists(path))
        {
            throw new ModelLoadException(
                $"{path}: the ILGPU backend needs the model's Hugging Face config.json (for the rotary embedding and " +
                $"the norm epsilon) beside genai_config.json; {Supported}.");
        }

        using (var document = ModelJson.Read(path))
        {
            var root = document.RootElement;
            string modelType = String(root, "model_type") ?? genai.ModelType;
            if (!Families.Contains(modelType, StringComparer.OrdinalIgnoreCase)
                || !Families.Contains(genai.ModelType, StringComparer.OrdinalIgnoreCase))
            {
                throw new ModelLoadException(
                    $"{folder}: model type '{modelType}' (genai_config.json: '{genai.ModelType}') is not supported by the " +
                    $"ILGPU backend; {Supported}.");
            }

            if (String(root, "hidden_act") is { } activation && activation != "silu")
            {
                throw new ModelLoadException($"{path}: hidden_act '{activation}' is not supported; {Supported}.");
            }

            if (root.TryGetProperty("use_sliding_window", out var sliding) && sliding.ValueKind == JsonValueKind.True)
            {
                throw new ModelLoadException($"{path}: sliding-window attention is not supported; {Supported}.");
            }

            int hidden = Int(root, "hidden_size", path);
            int heads = Int(root, "num_attention_heads", path);
            var rope = root.TryGetProperty("rope_parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                ? parameters
                : root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind == JsonValueKind.Object ? scaling : default;
            var architecture = new DecoderArchitecture
            {
                ModelType = modelType.ToLowerInvariant(),
                HiddenSize = hidden,
                LayerCount = Int(root, "num_hidden_layers", path),
                HeadCount = heads,
                KeyValueHeadCount = GenAiConfig.OptionalInt(root, "num_key_value_heads") ?? heads,
                HeadSize = GenAiConfig.OptionalInt(root, "head_dim") ?? hidden / heads,
                IntermediateSize = Int(root, "intermediate_size", path),
                VocabSize = Int(root, "vocab_size", path),
                ContextLength = genai.ContextLength,
                RmsNormEpsilon = (float)(GenAiConfig.OptionalDouble(root, "rms_norm_eps") ?? 1e-6),
                RopeTheta = GenAiConfig.OptionalDouble(root, "rope_theta") ?? GenAiConfig.OptionalDouble(rope, "rope_theta") ?? 10000.0,
                RopeScaling = RopeScaling.From(rope, path),
                TieWordEmbeddings = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True,
            };
            architecture.CheckAgainst(genai, path);
            return architecture;
        }
    }

    private void CheckAgainst(GenAiConfig genai, string path)
    {
        if (genai.LayerCount != LayerCount || genai.KeyValueHeadCount != KeyValueHeadCount || genai.HeadSize != HeadSize
            || genai.VocabSize != VocabSize)
        {
            throw new ModelLoadException(
                $"{path}: config.json and genai_config.json disagree on the model's shape (layers {LayerCount}/{genai.LayerCount}, " +
                $"key/value heads {KeyValueHeadCount}/{genai.KeyValueHeadCount}, head size {HeadSize}/{genai.HeadSize}, " +
                $"vocabulary {VocabSize}/{genai.VocabSize}).");
        }

        if (HeadSize % 8 != 0 || HeadCount % KeyValueHeadCount != 0 || HiddenSize % 2 != 0 || IntermediateSize % 2 != 0)
        {
            throw new ModelLoadException(
                $"{path}: head size {HeadSize} must be a multiple of 8, heads ({HeadCount}) a multiple of key/value heads " +
                $"({KeyValueHeadCount}), and hidden and intermediate sizes even.");
        }
    }

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Int(JsonElement parent, string name, string path) =>
        GenAiConfig.OptionalInt(parent, name) ?? throw new ModelLoadException($"{path}: {name} is missing or not a number.");
}

/// <summary>Llama 3's frequency-dependent rotary scaling (<c>rope_type: llama3</c>).</summary>
internal sealed record RopeScaling(double Factor, double LowFrequencyFactor, double HighFrequencyFactor, int OriginalContext)
{
    public static RopeScaling? From(JsonElement rope, string path)
    {
        if (rope.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        string? type = rope.TryGetProperty("rope_type", out var t) ? t.GetString()
            : rope.TryGetProperty("type", out var legacy) ? legacy.GetString() : null;
        return type switch
        {
            null or "default" => null,
            "llama3" => new RopeScaling(
                GenAiConfig.OptionalDouble(rope, "factor") ?? 8.0,
                GenAiConfig.OptionalDouble(rope, "low_freq_factor") ?? 1.0,
                GenAiConfig.OptionalDouble(rope, "high_freq_factor") ?? 4.0,
                GenAiConfig.OptionalInt(rope, "original_max_position_embeddings") ?? 8192),
            _ => throw new ModelLoadException(
                $"{path}: rotary scaling '{type}' is not supported; {DecoderArchitecture.Supported}."),
        };
    }

    /// <summary>transformers' _compute_llama3_parameters applied to one inverse frequency.</summary>
    public double Scale(double inverseFrequency)
    {
        double wavelength = 2 * Math.PI / inverseFrequency;
        double lowWavelength = OriginalContext / LowFrequencyFactor;
        double highWavelength = OriginalContext / HighFrequencyFactor;
        if (wavelength > lowWavelength)
        {
            return inverseFrequency / Factor;
        }

        if (wavelength < highWavelength)
        {
            return inverseFrequency;
        }

        double smooth = ((OriginalContext / wavelength) - LowFrequencyFactor) / (HighFrequencyFactor - LowFrequencyFactor);
        return ((1 - smooth) * inverseFrequency / Factor) + (smooth * inverseFrequency);
    }
}
