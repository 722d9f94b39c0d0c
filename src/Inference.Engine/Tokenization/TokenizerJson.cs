using System.Text.Json;

namespace Inference.Engine.Tokenization;

/// <summary>Shared helpers for reading Hugging Face tokenizer files; every failure becomes a
/// <see cref="ModelLoadException"/> that names the file.</summary>
internal static class TokenizerJson
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };

    public static JsonDocument Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException($"Tokenizer file '{path}' does not exist.");
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), Options);
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException($"Tokenizer file '{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new ModelLoadException($"Tokenizer file '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>The <c>added_tokens</c> list (empty when absent).</summary>
    public static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (added.ValueKind != JsonValueKind.Array)
        {
            throw new ModelLoadException($"Tokenizer file '{path}': 'added_tokens' is not an array.");
        }

        foreach (var token in added.EnumerateArray())
        {
            if (!token.TryGetProperty("id", out var id) || !id.TryGetInt32(out var idValue) || idValue < 0
                || GetString(token, "content") is not { } content)
            {
                throw new ModelLoadException($"Tokenizer file '{path}': an 'added_tokens' entry lacks a valid id or content.");
            }

            result.Add(new AddedToken(idValue, content, GetBool(token, "special"), GetBool(token, "lstrip"), GetBool(token, "rstrip")));
        }

        return result;
    }

    public static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public static bool GetBool(JsonElement element, string name, bool fallback = false) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => fallback,
            }
            : fallback;

    /// <summary>A nested object property, or an undefined element when absent or null.</summary>
    public static JsonElement GetObject(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : default;

    /// <summary>The <c>type</c> of a component, or null when the component is absent or null.</summary>
    public static string? GetComponentType(JsonElement root, string component, string path)
    {
        if (!root.TryGetProperty(component, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return GetString(value, "type")
            ?? throw new ModelLoadException($"Tokenizer file '{path}': '{component}' has no 'type'.");
    }
}
