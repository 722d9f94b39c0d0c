using System.Text.Json;

namespace Inference.Engine.Tests.Templates;

/// <summary>Turns JSON fixtures into the plain value graph ChatTemplate takes (ordered dictionaries, lists, scalars).</summary>
internal static class JsonValues
{
    public static object? ToValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.Array => e.EnumerateArray().Select(ToValue).ToList(),
        JsonValueKind.Object => ToDictionary(e),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.ValueKind, "unexpected JSON value"),
    };

    private static Dictionary<string, object?> ToDictionary(JsonElement e)
    {
        // Dictionary keeps insertion order when nothing is removed, which tojson and items() rely on.
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (JsonProperty p in e.EnumerateObject())
        {
            d[p.Name] = ToValue(p.Value);
        }

        return d;
    }
}
