using System.Text.Json;

namespace Inference.Engine.Tokenization;

/// <summary>The facts of a model folder's <c>tokenizer_config.json</c> (and chat template files) the engine uses.</summary>
/// <param name="ChatTemplate">The Jinja chat template: <c>chat_template.jinja</c> when present, otherwise
/// <c>chat_template.json</c>, otherwise <c>tokenizer_config.json</c>'s <c>chat_template</c> (a string, or the
/// entry named "default" of a list of named templates).</param>
/// <param name="BosToken">Content of the beginning-of-sequence token, if any.</param>
/// <param name="EosToken">Content of the end-of-sequence token, if any.</param>
/// <param name="PadToken">Content of the padding token, if any.</param>
/// <param name="UnkToken">Content of the unknown token, if any.</param>
/// <param name="ModelMaxLength">The longest input the tokenizer is configured for; null when absent or a
/// placeholder too large for an int (transformers writes 1e30 for "no limit").</param>
public sealed record TokenizerConfig(
    string? ChatTemplate,
    string? BosToken,
    string? EosToken,
    string? PadToken,
    string? UnkToken,
    int? ModelMaxLength)
{
    /// <summary>Reads the configuration of a model folder; a folder without <c>tokenizer_config.json</c> gives
    /// all-null facts (except a template from <c>chat_template.jinja</c>).</summary>
    /// <exception cref="ModelLoadException">A file exists but is malformed.</exception>
    public static TokenizerConfig Load(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string? template = null;
        string? bos = null, eos = null, pad = null, unk = null;
        int? maxLength = null;

        var configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var document = TokenizerJson.Load(configPath);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ModelLoadException($"Tokenizer config '{configPath}' is not a JSON object.");
            }

            template = ReadTemplate(root, configPath);
            bos = ReadToken(root, "bos_token");
            eos = ReadToken(root, "eos_token");
            pad = ReadToken(root, "pad_token");
            unk = ReadToken(root, "unk_token");
            if (root.TryGetProperty("model_max_length", out var max) && max.ValueKind == JsonValueKind.Number
                && max.TryGetDouble(out var value) && value >= 0 && value <= int.MaxValue)
            {
                maxLength = (int)value;
            }
        }

        // transformers 4.43+ saves the template next to the config; the separate file wins.
        var templateJsonPath = Path.Combine(folder, "chat_template.json");
        if (File.Exists(templateJsonPath))
        {
            using var document = TokenizerJson.Load(templateJsonPath);
            template = ReadTemplate(document.RootElement, templateJsonPath) ?? template;
        }

        var jinjaPath = Path.Combine(folder, "chat_template.jinja");
        if (File.Exists(jinjaPath))
        {
            try
            {
                template = File.ReadAllText(jinjaPath);
            }
            catch (IOException ex)
            {
                throw new ModelLoadException($"Chat template '{jinjaPath}' cannot be read: {ex.Message}", ex);
            }
        }

        return new TokenizerConfig(template, bos, eos, pad, unk, maxLength);
    }

    /// <summary>A special-token setting: a plain string or a serialised AddedToken object with <c>content</c>.</summary>
    internal static string? ReadToken(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => TokenizerJson.GetString(value, "content"),
            _ => null,
        };
    }

    private static string? ReadTemplate(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var value))
        {
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Array:
                // Several named templates (for example "default" and "tool_use"): the default one serves chat.
                string? first = null;
                foreach (var entry in value.EnumerateArray())
                {
                    var name = TokenizerJson.GetString(entry, "name");
                    var template = TokenizerJson.GetString(entry, "template");
                    if (name == "default")
                    {
                        return template;
                    }

                    first ??= template;
                }

                return first;
            default:
                throw new ModelLoadException($"Tokenizer config '{path}': chat_template is neither a string nor a list of named templates.");
        }
    }
}
