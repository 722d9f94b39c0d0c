using System.Globalization;
using System.Text.Json;
using Inference.Engine.Models;

namespace Inference.Engine.Onnx;

/// <summary>
/// The parts of ONNX Runtime GenAI's <c>genai_config.json</c> that running a decoder needs: the file, the tensor
/// names (with their <c>%d</c> layer patterns), the cache geometry, the special ids and the search defaults.
/// </summary>
internal sealed record GenAiConfig
{
    public required string ModelType { get; init; }
    public required string DecoderFileName { get; init; }
    public required int ContextLength { get; init; }
    public required int VocabSize { get; init; }
    public required int LayerCount { get; init; }
    public required int KeyValueHeadCount { get; init; }
    public required int HeadSize { get; init; }
    public required IReadOnlyList<int> EosTokenIds { get; init; }
    public required int PadTokenId { get; init; }
    public required string InputIdsName { get; init; }
    public required string? AttentionMaskName { get; init; }
    public required string? PositionIdsName { get; init; }
    public required string PastKeyNamePattern { get; init; }
    public required string PastValueNamePattern { get; init; }
    public required string LogitsName { get; init; }
    public required string PresentKeyNamePattern { get; init; }
    public required string PresentValueNamePattern { get; init; }
    public required SearchDefaults Search { get; init; }

    public string PastKeyName(int layer) => Format(PastKeyNamePattern, layer);
    public string PastValueName(int layer) => Format(PastValueNamePattern, layer);
    public string PresentKeyName(int layer) => Format(PresentKeyNamePattern, layer);
    public string PresentValueName(int layer) => Format(PresentValueNamePattern, layer);

    private static string Format(string pattern, int layer) =>
        pattern.Replace("%d", layer.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Reads and checks <c>genai_config.json</c>; every problem names the file and the key.</summary>
    public static GenAiConfig Load(string path)
    {
        using (var document = ModelJson.Read(path))
        {
            var root = document.RootElement;
            var model = Required(root, "model", path);
            var decoder = Required(model, "decoder", path, "model.");
            var inputs = Required(decoder, "inputs", path, "model.decoder.");
            var outputs = Required(decoder, "outputs", path, "model.decoder.");

            int headCount = RequiredInt(decoder, "num_attention_heads", path, "model.decoder.");
            int hiddenSize = OptionalInt(decoder, "hidden_size") ?? 0;
            int headSize = OptionalInt(decoder, "head_size") ?? (headCount > 0 ? hiddenSize / headCount : 0);
            if (headSize <= 0)
            {
                throw new ModelLoadException($"{path}: model.decoder.head_size is missing and cannot be derived.");
            }

            var search = root.TryGetProperty("search", out var s) ? s : default;
            int contextLength = OptionalInt(model, "context_length")
                ?? (search.ValueKind == JsonValueKind.Object ? OptionalInt(search, "max_length") : null)
                ?? throw new ModelLoadException($"{path}: model.context_length is missing.");

            var config = new GenAiConfig
            {
                ModelType = OptionalString(model, "type") ?? "decoder",
                DecoderFileName = OptionalString(decoder, "filename")
                    ?? throw new ModelLoadException($"{path}: model.decoder.filename is missing."),
                ContextLength = contextLength,
                VocabSize = RequiredInt(model, "vocab_size", path, "model."),
                LayerCount = RequiredInt(decoder, "num_hidden_layers", path, "model.decoder."),
                KeyValueHeadCount = OptionalInt(decoder, "num_key_value_heads") ?? headCount,
                HeadSize = headSize,
                EosTokenIds = IntList(model, "eos_token_id", path),
                PadTokenId = OptionalInt(model, "pad_token_id") ?? 0,
                InputIdsName = OptionalString(inputs, "input_ids") ?? "input_ids",
                AttentionMaskName = OptionalString(inputs, "attention_mask"),
                PositionIdsName = OptionalString(inputs, "position_ids"),
                PastKeyNamePattern = OptionalString(inputs, "past_key_names") ?? "past_key_values.%d.key",
                PastValueNamePattern = OptionalString(inputs, "past_value_names") ?? "past_key_values.%d.value",
                LogitsName = OptionalString(outputs, "logits") ?? "logits",
                PresentKeyNamePattern = OptionalString(outputs, "present_key_names") ?? "present.%d.key",
                PresentValueNamePattern = OptionalString(outputs, "present_value_names") ?? "present.%d.value",
                Search = SearchDefaults.From(search),
            };
            if (config.EosTokenIds.Count == 0)
            {
                throw new ModelLoadException($"{path}: model.eos_token_id is missing.");
            }

            // past_present_share_buffer is not read: this engine always feeds present back as the next past,
            // which graphs exported either way accept; the flag only changes how GenAI lays out memory.
            return config;
        }
    }

    private static JsonElement Required(JsonElement parent, string name, string path, string prefix = "")
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"{path}: {prefix}{name} is missing or not an object.");
        }

        return value;
    }

    private static int RequiredInt(JsonElement parent, string name, string path, string prefix) =>
        OptionalInt(parent, name) ?? throw new ModelLoadException($"{path}: {prefix}{name} is missing or not a number.");

    internal static int? OptionalInt(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetInt32()
            : null;

    internal static double? OptionalDouble(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : null;

    private static string? OptionalString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int[] IntList(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var v))
        {
            return [];
        }

        return v.ValueKind switch
        {
            JsonValueKind.Number => [v.GetInt32()],
            JsonValueKind.Array => v.EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            _ => throw new ModelLoadException($"{path}: model.{name} must be a number or a list of numbers."),
        };
    }
}

/// <summary>The <c>search</c> section: defaults a request does not override.</summary>
internal sealed record SearchDefaults(bool DoSample, float Temperature, int TopK, float TopP, float RepetitionPenalty, int MaxLength)
{
    public static SearchDefaults From(JsonElement search) => new(
        DoSample: search.ValueKind == JsonValueKind.Object && search.TryGetProperty("do_sample", out var d) && d.ValueKind == JsonValueKind.True,
        Temperature: (float)(GenAiConfig.OptionalDouble(search, "temperature") ?? 1.0),
        TopK: GenAiConfig.OptionalInt(search, "top_k") ?? 0,
        TopP: (float)(GenAiConfig.OptionalDouble(search, "top_p") ?? 1.0),
        RepetitionPenalty: (float)(GenAiConfig.OptionalDouble(search, "repetition_penalty") ?? 1.0),
        MaxLength: GenAiConfig.OptionalInt(search, "max_length") ?? 0);
}
