using System.Text.Json;

namespace Inference.Engine.Tokenization;

/// <summary>What <c>tokenizer_config.json</c> (and a <c>chat_template.jinja</c> beside it) say about a model.</summary>
/// <param name="ChatTemplate">The Jinja chat template, or null.</param>
/// <param name="BosToken">Beginning-of-sequence token text, or null.</param>
/// <param name="EosToken">End-of-sequence token text, or null.</param>
/// <param name="PadToken">Padding token text, or null.</param>
/// <param name="UnkToken">Unknown token text, or null.</param>
/// <param name="ModelMaxLength">The tokenizer's declared maximum, when it is a real number.</param>
public sealed record TokenizerConfig(
    string? ChatTemplate, string? BosToken, string? EosToken, string? PadToken, string? UnkToken, int? ModelMaxLength)
{
    /// <summary>Reads the folder's tokenizer configuration; a missing file means no template and no tokens.</summary>
    public static TokenizerConfig Load(string folder)
    {
        string path = Path.Combine(folder, "tokenizer_config.json");
        string? templateFile = Path.Combine(folder, "chat_template.jinja");
        string? fileTemplate = File.Exists(templateFile) ? File.ReadAllText(templateFile) : null;
        if (!File.Exists(path))
        {
            return new TokenizerConfig(fileTemplate, null, null, null, null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            return new TokenizerConfig(
                fileTemplate ?? Template(root),
                Token(root, "bos_token"),
                Token(root, "eos_token"),
                Token(root, "pad_token"),
                Token(root, "unk_token"),
                root.TryGetProperty("model_max_length", out var max) && max.ValueKind == JsonValueKind.Number
                    && max.TryGetDouble(out double value) && value is > 0 and < int.MaxValue ? (int)value : null);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path}: cannot be read as JSON ({e.Message}).", e);
        }
    }

    private static string? Template(JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var template))
        {
            return null;
        }

        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }

        // Some models ship several named templates; "default" is the one transformers uses.
        if (template.ValueKind == JsonValueKind.Array)
        {
            foreach (var named in template.EnumerateArray())
            {
                if (named.TryGetProperty("name", out var name) && name.GetString() == "default")
                {
                    return named.GetProperty("template").GetString();
                }
            }
        }

        return null;
    }

    /// <summary>Special tokens are written as a string or as an AddedToken object with a content field.</summary>
    private static string? Token(JsonElement root, string name) =>
        root.TryGetProperty(name, out var token) ? token.ValueKind switch
        {
            JsonValueKind.String => token.GetString(),
            JsonValueKind.Object when token.TryGetProperty("content", out var content) => content.GetString(),
            _ => null,
        } : null;
}
