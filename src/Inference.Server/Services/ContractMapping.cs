using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Server.Errors;

namespace Inference.Server.Services;

/// <summary>Contract to engine conversions shared by chat and text completions. Shapes were checked by the
/// validators already; what is left here is conversion.</summary>
internal static class ContractMapping
{
    public const string SystemFingerprint = "fp_inference_v1";

    /// <summary>
    /// A response id (<c>chatcmpl-...</c>, <c>cmpl-...</c>): 128 random bits as 32 hex digits. An id names a
    /// response and guards nothing, so a fast generator serves; <see cref="Guid.NewGuid"/> reads the kernel's random
    /// source, a system call per response (4% of a cheap chat request's server time in the overhead profile).
    /// </summary>
    public static string NewId(string prefix) => string.Create(prefix.Length + 32, prefix, static (id, prefix) =>
    {
        prefix.CopyTo(id);
        Span<byte> bits = stackalloc byte[16];
        Random.Shared.NextBytes(bits);
        Convert.TryToHexStringLower(bits, id[prefix.Length..], out _);
    });

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

    /// <summary>The engine's sampling options for choice <paramref name="index"/>, OpenAI's defaults where a field is
    /// unset. Each choice's seed is the request's plus its index: choices must differ, and stay reproducible.</summary>
    public static SamplingOptions Sampling(ISamplingParameters request, IReadOnlyDictionary<int, float>? logitBias, int index) => new()
    {
        Temperature = request.HasTemperature ? request.Temperature : 1f,
        TopP = request.HasTopP ? request.TopP : 1f,
        TopK = request.HasTopK ? request.TopK : 0,
        MinP = request.HasMinP ? request.MinP : 0f,
        Seed = request.HasSeed ? unchecked((ulong)request.Seed + (ulong)index) : null,
        PresencePenalty = request.PresencePenalty,
        FrequencyPenalty = request.FrequencyPenalty,
        RepetitionPenalty = request.HasRepetitionPenalty ? request.RepetitionPenalty : 1f,
        LogitBias = logitBias,
    };

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
