using Google.Protobuf.WellKnownTypes;

namespace Inference.Server.Validation;

/// <summary>Shape checks for OpenAI's union fields, carried as <c>google.protobuf.Value</c>.</summary>
internal static class WireShapes
{
    public static bool IsString(Value? v) => v?.KindCase == Value.KindOneofCase.StringValue;

    public static bool IsAbsent(Value? v) => v is null || v.KindCase is Value.KindOneofCase.None or Value.KindOneofCase.NullValue;

    public static bool IsTokenId(Value v) =>
        v.KindCase == Value.KindOneofCase.NumberValue && v.NumberValue >= 0 && v.NumberValue <= int.MaxValue
        && Math.Floor(v.NumberValue) == v.NumberValue;

    public static bool IsTokenList(Value v) =>
        v.KindCase == Value.KindOneofCase.ListValue && v.ListValue.Values.Count > 0 && v.ListValue.Values.All(IsTokenId);

    /// <summary>A string, a list of strings, a list of token ids, or a list of token-id lists (prompt, input).</summary>
    public static bool IsTextOrTokens(Value? v, int maxItems)
    {
        if (v is null)
        {
            return false;
        }

        if (v.KindCase == Value.KindOneofCase.StringValue)
        {
            return v.StringValue.Length > 0;
        }

        if (v.KindCase != Value.KindOneofCase.ListValue)
        {
            return false;
        }

        var items = v.ListValue.Values;
        if (items.Count == 0)
        {
            return false;
        }

        if (items.All(IsTokenId))
        {
            return true;
        }

        return items.Count <= maxItems
            && (items.All(i => i.KindCase == Value.KindOneofCase.StringValue && i.StringValue.Length > 0) || items.All(IsTokenList));
    }

    /// <summary>OpenAI's stop: a string or up to four strings, none empty.</summary>
    public static bool IsStop(Value? v) =>
        IsAbsent(v)
        || (v!.KindCase == Value.KindOneofCase.StringValue && v.StringValue.Length > 0)
        || (v.KindCase == Value.KindOneofCase.ListValue && v.ListValue.Values.Count <= 4
            && v.ListValue.Values.All(s => s.KindCase == Value.KindOneofCase.StringValue && s.StringValue.Length > 0));

    /// <summary>Token-id keys with biases in -100..100.</summary>
    public static bool IsLogitBias(Struct? bias) =>
        bias is null
        || bias.Fields.All(f => int.TryParse(f.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            && f.Value.KindCase == Value.KindOneofCase.NumberValue && f.Value.NumberValue is >= -100 and <= 100);

    /// <summary>Message content: a string, null, or text parts.</summary>
    public static bool IsTextContent(Value? v) =>
        IsAbsent(v)
        || v!.KindCase == Value.KindOneofCase.StringValue
        || (v.KindCase == Value.KindOneofCase.ListValue && v.ListValue.Values.All(IsTextPart));

    private static bool IsTextPart(Value part) =>
        part.KindCase == Value.KindOneofCase.StructValue
        && part.StructValue.Fields.TryGetValue("type", out var type) && type.StringValue == "text"
        && part.StructValue.Fields.TryGetValue("text", out var text) && text.KindCase == Value.KindOneofCase.StringValue;
}
