using System.Text.Json;
using System.Text.Json.Nodes;

namespace Inference.Server.Rest;

/// <summary>
/// OpenAI accepts <c>null</c> for every optional parameter, and some clients send it (<c>"tools": null</c>).
/// Transcoding accepts null for scalars and messages but refuses it for repeated fields, so null members are removed
/// from the request object and from each message before transcoding sees the body. Nulls deeper down (inside a
/// tool's JSON Schema, where null is a value) are left alone.
/// </summary>
internal static class NullMembers
{
    /// <summary>The body without null members, or null when there is nothing to remove (the common case, which
    /// costs one scan and no allocation).</summary>
    public static byte[]? Strip(ReadOnlySpan<byte> body)
    {
        if (body.IndexOf("null"u8) < 0)
        {
            return null;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is not JsonObject request)
        {
            return null;
        }

        var changed = RemoveNulls(request);
        if (request["messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                if (message is JsonObject item)
                {
                    changed |= RemoveNulls(item);
                }
            }
        }

        return changed ? JsonSerializer.SerializeToUtf8Bytes(request) : null;
    }

    private static bool RemoveNulls(JsonObject item)
    {
        List<string>? nulls = null;
        foreach (var (name, value) in item)
        {
            if (value is null)
            {
                (nulls ??= []).Add(name);
            }
        }

        if (nulls is null)
        {
            return false;
        }

        foreach (var name in nulls)
        {
            item.Remove(name);
        }

        return true;
    }
}
