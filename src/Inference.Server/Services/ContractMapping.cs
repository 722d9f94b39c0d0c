using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Inference.Engine;
using Inference.Server.Errors;

namespace Inference.Server.Services;

/// <summary>Contract to engine conversions shared by chat and text completions. Shapes were checked by the
/// validators already; what is left here is conversion.</summary>
internal static class ContractMapping
{
    public const string SystemFingerprint = "fp_inference_v1";

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N");

    public static string FinishReason(Engine.FinishReason reason) =>
        reason == Engine.FinishReason.Length ? "length" : "stop";

    /// <summary>OpenAI's stop: a string or a list of strings.</summary>
    public static IReadOnlyList<string> StopSequences(Value? stop) => stop?.KindCase switch
    {
        Value.KindOneofCase.StringValue => [stop.StringValue],
        Value.KindOneofCase.ListValue => [.. stop.ListValue.Values.Select(v => v.StringValue)],
        _ => [],
    };

    /// <summary>Token id keys and bias values; the validators checked both.</summary>
    public static IReadOnlyDictionary<int, float>? LogitBias(Struct? bias)
    {
        if (bias is null || bias.Fields.Count == 0)
        {
            return null;
        }

        var result = new Dictionary<int, float>(bias.Fields.Count);
        foreach (var (key, value) in bias.Fields)
        {
            result[int.Parse(key, NumberStyles.Integer, CultureInfo.InvariantCulture)] = (float)value.NumberValue;
        }

        return result;
    }

    /// <summary>The seed of choice <paramref name="index"/>: choices must differ, and stay reproducible.</summary>
    public static ulong? Seed(bool hasSeed, long seed, int index) => hasSeed ? unchecked((ulong)seed + (ulong)index) : null;

    /// <summary>Refuses a prompt that cannot fit with the tokens asked for, in OpenAI's words.</summary>
    public static int MaxNewTokens(int promptTokens, int? requested, int contextLength, string param)
    {
        var budget = requested ?? contextLength - promptTokens;
        if (promptTokens + Math.Max(budget, 1) > contextLength)
        {
            throw new ApiException(new ApiError(
                ErrorKind.ContextLengthExceeded,
                $"This model's maximum context length is {contextLength} tokens. However, you requested "
                + $"{promptTokens + Math.Max(budget, 1)} tokens ({promptTokens} in the {param}, {Math.Max(budget, 1)} in the completion). "
                + $"Please reduce the length of the {param} or completion.",
                param,
                "context_length_exceeded"));
        }

        return budget;
    }

    /// <summary>A protobuf Value as plain CLR values (what chat templates take).</summary>
    public static object? ToPlain(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.NumberValue => value.NumberValue,
        Value.KindOneofCase.BoolValue => value.BoolValue,
        Value.KindOneofCase.StructValue => ToPlain(value.StructValue),
        Value.KindOneofCase.ListValue => value.ListValue.Values.Select(ToPlain).ToList(),
        _ => null,
    };

    public static Dictionary<string, object?> ToPlain(Struct value)
    {
        var result = new Dictionary<string, object?>(value.Fields.Count, StringComparer.Ordinal);
        foreach (var (key, item) in value.Fields)
        {
            result[key] = ToPlain(item);
        }

        return result;
    }
}
