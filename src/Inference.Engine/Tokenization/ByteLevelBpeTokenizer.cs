using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Inference.Engine.Tokenization;

/// <summary>
/// Byte-level BPE (GPT-2, Qwen2, Llama 3, SmolLM2 families) read from a Hugging Face <c>tokenizer.json</c>.
/// Encoding runs on Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>; decoding uses each token's bytes, so that
/// whole and incremental decoding agree exactly.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    /// <summary>GPT-2's pre-tokenizer, used by the ByteLevel pre-tokenizer when use_regex is on.</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly BpeTokenizer _bpe;
    private readonly byte[][] _tokenBytes;
    private readonly bool[] _special;
    private readonly Dictionary<string, int> _byContent;
    private readonly bool _normalizeNfc;
    private readonly bool _addPrefixSpace;

    private ByteLevelBpeTokenizer(
        BpeTokenizer bpe, byte[][] tokenBytes, bool[] special, Dictionary<string, int> byContent, bool normalizeNfc, bool addPrefixSpace)
    {
        _bpe = bpe;
        _tokenBytes = tokenBytes;
        _special = special;
        _byContent = byContent;
        _normalizeNfc = normalizeNfc;
        _addPrefixSpace = addPrefixSpace;
    }

    /// <inheritdoc />
    public int VocabularySize => _tokenBytes.Length;

    /// <summary>Reads a tokenizer.json; anything this class cannot reproduce exactly is refused with the file and
    /// the unsupported part named, never approximated.</summary>
    public static ByteLevelBpeTokenizer FromTokenizerJson(string tokenizerJsonPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{tokenizerJsonPath}: cannot be read as JSON ({e.Message}).", e);
        }

        using (document)
        {
            return Build(document.RootElement, tokenizerJsonPath);
        }
    }

    private static ByteLevelBpeTokenizer Build(JsonElement root, string path)
    {
        if (!root.TryGetProperty("model", out var model) || Text(model, "type") != "BPE")
        {
            throw new ModelLoadException($"{path}: model.type must be \"BPE\" (SentencePiece Unigram and WordPiece decoders are not supported).");
        }

        if (model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True)
        {
            throw new ModelLoadException($"{path}: BPE with byte_fallback (Llama 2 / Phi-3 SentencePiece style) is not supported; byte-level BPE is.");
        }

        var (pattern, addPrefixSpace) = PreTokenizerPattern(root, path);
        bool nfc = Normalizer(root, path);
        if (root.TryGetProperty("decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object && Text(decoder, "type") != "ByteLevel")
        {
            throw new ModelLoadException($"{path}: decoder.type '{Text(decoder, "type")}' is not supported (ByteLevel is).");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            vocabulary[entry.Name] = entry.Value.GetInt32();
        }

        var merges = new List<string>();
        if (model.TryGetProperty("merges", out var mergeList))
        {
            foreach (var merge in mergeList.EnumerateArray())
            {
                // Older files write "a b", newer ones ["a", "b"].
                merges.Add(merge.ValueKind == JsonValueKind.Array ? $"{merge[0].GetString()} {merge[1].GetString()}" : merge.GetString()!);
            }
        }

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var specialIds = new HashSet<int>();
        if (root.TryGetProperty("added_tokens", out var addedTokens))
        {
            foreach (var token in addedTokens.EnumerateArray())
            {
                int id = token.GetProperty("id").GetInt32();
                added[token.GetProperty("content").GetString()!] = id;
                if (token.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True)
                {
                    specialIds.Add(id);
                }
            }
        }

        int size = Math.Max(vocabulary.Count == 0 ? 0 : vocabulary.Values.Max(), added.Count == 0 ? 0 : added.Values.Max()) + 1;
        var tokenBytes = new byte[size][];
        var isSpecial = new bool[size];
        foreach (var (content, id) in vocabulary)
        {
            tokenBytes[id] = ByteLevelAlphabet.ToBytes(content)
                ?? throw new ModelLoadException($"{path}: vocabulary entry '{content}' is not in the byte-level alphabet; this is not a byte-level BPE vocabulary.");
        }

        foreach (var (content, id) in added)
        {
            tokenBytes[id] = Encoding.UTF8.GetBytes(content);
            isSpecial[id] = specialIds.Contains(id);
        }

        for (int i = 0; i < size; i++)
        {
            tokenBytes[i] ??= [];
        }

        var byContent = new Dictionary<string, int>(vocabulary, StringComparer.Ordinal);
        foreach (var (content, id) in added)
        {
            byContent[content] = id;
        }

        // Added tokens are matched whole inside text before the regex splits it, as Hugging Face does.
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = added,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), added),
        });
        return new ByteLevelBpeTokenizer(bpe, tokenBytes, isSpecial, byContent, nfc, addPrefixSpace);
    }

    private static (string Pattern, bool AddPrefixSpace) PreTokenizerPattern(JsonElement root, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"{path}: pre_tokenizer is missing; byte-level BPE needs one.");
        }

        switch (Text(pre, "type"))
        {
            case "ByteLevel":
                return (Gpt2Pattern, Flag(pre, "add_prefix_space"));
            case "Sequence":
                string? pattern = null;
                bool prefix = false;
                foreach (var step in pre.GetProperty("pretokenizers").EnumerateArray())
                {
                    switch (Text(step, "type"))
                    {
                        case "Split" when step.TryGetProperty("pattern", out var p) && p.TryGetProperty("Regex", out var regex):
                            pattern = regex.GetString();
                            break;
                        case "ByteLevel":
                            prefix = Flag(step, "add_prefix_space");
                            pattern ??= !step.TryGetProperty("use_regex", out var use) || use.ValueKind != JsonValueKind.False ? Gpt2Pattern : null;
                            break;
                        default:
                            throw new ModelLoadException($"{path}: pre_tokenizer step '{Text(step, "type")}' is not supported (Split with a Regex, ByteLevel).");
                    }
                }

                return (pattern ?? throw new ModelLoadException($"{path}: pre_tokenizer has no splitting pattern."), prefix);
            default:
                throw new ModelLoadException($"{path}: pre_tokenizer type '{Text(pre, "type")}' is not supported (ByteLevel, or Sequence of Split + ByteLevel).");
        }
    }

    private static bool Normalizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        return Text(normalizer, "type") switch
        {
            "NFC" => true,
            var other => throw new ModelLoadException($"{path}: normalizer '{other}' is not supported (none or NFC)."),
        };
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        if (_normalizeNfc)
        {
            text = text.Normalize(NormalizationForm.FormC);
        }

        if (_addPrefixSpace && text[0] != ' ')
        {
            text = " " + text;
        }

        return _bpe.EncodeToIds(text);
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens)
    {
        int length = 0;
        foreach (int id in ids)
        {
            length += Bytes(id, skipSpecialTokens).Length;
        }

        var buffer = new byte[length];
        int at = 0;
        foreach (int id in ids)
        {
            var bytes = Bytes(id, skipSpecialTokens);
            bytes.CopyTo(buffer.AsSpan(at));
            at += bytes.Length;
        }

        return Encoding.UTF8.GetString(buffer);
    }

    private ReadOnlySpan<byte> Bytes(int id, bool skipSpecialTokens)
    {
        if ((uint)id >= (uint)_tokenBytes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, "Token id outside the vocabulary.");
        }

        return skipSpecialTokens && _special[id] ? [] : _tokenBytes[id];
    }

    /// <inheritdoc />
    public bool IsSpecialToken(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetTokenBytes(int id) => Bytes(id, skipSpecialTokens: false);

    /// <inheritdoc />
    public bool TryGetTokenId(string tokenContent, out int id) => _byContent.TryGetValue(tokenContent, out id);
}
