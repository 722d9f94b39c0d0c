using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Inference.Engine.Tokenization;

/// <summary>Byte-level BPE tokenizer (GPT-2, Qwen2.5, Llama 3 style) read from a Hugging Face <c>tokenizer.json</c>.
/// Encoding uses Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> for the merges; added tokens, normalisation,
/// pre-tokenisation and decoding follow Hugging Face tokenizers.</summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    private readonly BpeTokenizer _bpe;
    private readonly BytePreTokenizer _preTokenizer;
    private readonly Func<string, string>? _normalize;
    private readonly AddedTokenSplitter _addedTokens;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int> _addedByContent;
    private readonly bool _ignoreMerges;

    // Each word's ids once encoded. BpeTokenizer keeps its merges per word too, but answers every call with a new
    // list; words repeat within and across prompts, and appending kept ids costs no allocation at all. Bounded as
    // Hugging Face tokenizers bounds its BPE cache: the first words up to the capacity are kept (threads adding the
    // last ones at the same moment may pass it by a few), words of MaxCachedPieceLength characters or more never are.
    private const int MaxCachedPieces = 10_000;
    private const int MaxCachedPieceLength = 256;
    private readonly ConcurrentDictionary<string, int[]> _pieceIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _knownPieces;
    private int _cachedPieces;

    // Bytes of every id, packed: id i owns _tokenBytes[_tokenOffsets[i].._tokenOffsets[i + 1]].
    private readonly byte[] _tokenBytes;
    private readonly int[] _tokenOffsets;
    private readonly bool[] _isSpecial;

    private ByteLevelBpeTokenizer(
        BpeTokenizer bpe,
        BytePreTokenizer preTokenizer,
        Func<string, string>? normalize,
        Dictionary<string, int> vocab,
        List<AddedToken> addedTokens,
        bool ignoreMerges)
    {
        _bpe = bpe;
        _preTokenizer = preTokenizer;
        _normalize = normalize;
        _vocab = vocab;
        _ignoreMerges = ignoreMerges;
        _addedTokens = new AddedTokenSplitter(addedTokens);
        _knownPieces = _pieceIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in addedTokens)
        {
            _addedByContent[token.Content] = token.Id;
        }

        var size = 0;
        foreach (var id in vocab.Values)
        {
            size = Math.Max(size, id + 1);
        }

        foreach (var token in addedTokens)
        {
            size = Math.Max(size, token.Id + 1);
        }

        VocabularySize = size;
        var perId = new byte[]?[size];
        foreach (var (token, id) in vocab)
        {
            // Hugging Face's ByteLevel decoder falls back to the token's own UTF-8 when a character is outside the table.
            perId[id] = ByteLevelTable.TryDecodeToken(token) ?? Encoding.UTF8.GetBytes(token);
        }

        _isSpecial = new bool[size];
        foreach (var token in addedTokens)
        {
            perId[token.Id] = Encoding.UTF8.GetBytes(token.Content);
            _isSpecial[token.Id] = token.Special;
        }

        _tokenOffsets = new int[size + 1];
        var total = 0;
        for (var i = 0; i < size; i++)
        {
            _tokenOffsets[i] = total;
            total += perId[i]?.Length ?? 0;
        }

        _tokenOffsets[size] = total;
        _tokenBytes = new byte[total];
        for (var i = 0; i < size; i++)
        {
            perId[i]?.CopyTo(_tokenBytes, _tokenOffsets[i]);
        }
    }

    /// <inheritdoc />
    public int VocabularySize { get; }

    /// <summary>Loads a <c>tokenizer.json</c> whose model is byte-level BPE.</summary>
    /// <exception cref="ModelLoadException">The file is missing, malformed, or describes an unsupported tokenizer
    /// (for example SentencePiece Unigram or Metaspace BPE with byte fallback).</exception>
    public static ByteLevelBpeTokenizer FromTokenizerJson(string tokenizerJsonPath)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJsonPath);
        var path = tokenizerJsonPath;
        using var document = TokenizerJson.Load(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"Tokenizer file '{path}' has no 'model' object.");
        }

        var modelType = TokenizerJson.GetString(model, "type");
        if (modelType is null && model.TryGetProperty("merges", out _))
        {
            modelType = "BPE"; // Older files omit the type for BPE.
        }

        if (modelType != "BPE")
        {
            throw new ModelLoadException(
                $"Tokenizer file '{path}': model type '{modelType ?? "(none)"}' is not supported; only byte-level BPE is.");
        }

        if (TokenizerJson.GetBool(model, "byte_fallback"))
        {
            throw new ModelLoadException(
                $"Tokenizer file '{path}': BPE with byte_fallback (SentencePiece-style, Metaspace) is not supported; only byte-level BPE is.");
        }

        if (TokenizerJson.GetString(model, "continuing_subword_prefix") is { Length: > 0 }
            || TokenizerJson.GetString(model, "end_of_word_suffix") is { Length: > 0 })
        {
            throw new ModelLoadException(
                $"Tokenizer file '{path}': BPE with continuing_subword_prefix or end_of_word_suffix is not supported.");
        }

        root.TryGetProperty("pre_tokenizer", out var preTokenizerJson);
        var preTokenizer = BytePreTokenizer.FromJson(preTokenizerJson, path);
        if (!preTokenizer.HasByteLevel)
        {
            var type = TokenizerJson.GetComponentType(root, "pre_tokenizer", path) ?? "null";
            throw new ModelLoadException(
                $"Tokenizer file '{path}': pre_tokenizer '{type}' has no ByteLevel step; only byte-level BPE is supported.");
        }

        var normalize = ReadNormalizer(root, path);
        var vocab = ReadVocab(model, path);
        var merges = ReadMerges(model, path);
        var addedTokens = TokenizerJson.ReadAddedTokens(root, path);

        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                UnknownToken = TokenizerJson.GetString(model, "unk_token"),
            });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelLoadException($"Tokenizer file '{path}': the BPE model cannot be built: {ex.Message}", ex);
        }

        return new ByteLevelBpeTokenizer(bpe, preTokenizer, normalize, vocab, addedTokens,
            TokenizerJson.GetBool(model, "ignore_merges"));
    }

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        _addedTokens.Split(text, segment => EncodeSegment(segment, ids), ids.Add);
        return ids;
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var length = 0;
        foreach (var id in ids)
        {
            if (!(skipSpecialTokens && IsSpecialToken(id)))
            {
                length += GetTokenBytes(id).Length;
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var written = 0;
            foreach (var id in ids)
            {
                if (!(skipSpecialTokens && IsSpecialToken(id)))
                {
                    var bytes = GetTokenBytes(id);
                    bytes.CopyTo(buffer.AsSpan(written));
                    written += bytes.Length;
                }
            }

            // Encoding.UTF8 replaces each maximal invalid subsequence with one U+FFFD, as Python's errors="replace".
            return Encoding.UTF8.GetString(buffer, 0, written);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How many words the encoding cache holds.</summary>
    internal int CachedPieces => Volatile.Read(ref _cachedPieces);

    /// <inheritdoc />
    public bool IsSpecialToken(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetTokenBytes(int id) =>
        (uint)id < (uint)VocabularySize
            ? _tokenBytes.AsSpan(_tokenOffsets[id], _tokenOffsets[id + 1] - _tokenOffsets[id])
            : ReadOnlySpan<byte>.Empty;

    /// <inheritdoc />
    public bool TryGetTokenId(string tokenContent, out int id)
    {
        ArgumentNullException.ThrowIfNull(tokenContent);
        return _addedByContent.TryGetValue(tokenContent, out id) || _vocab.TryGetValue(tokenContent, out id);
    }

    private void EncodeSegment(string segment, List<int> ids)
    {
        if (_normalize is not null)
        {
            segment = _normalize(segment);
        }

        _preTokenizer.Split(segment, (Tokenizer: this, Ids: ids), static (piece, state) => state.Tokenizer.EncodePiece(piece, state.Ids));
    }

    /// <summary>Appends one pre-tokenised word's ids: from the cache, without allocating, when the word was seen
    /// before (words repeat, within a prompt and across prompts).</summary>
    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        if (_knownPieces.TryGetValue(piece, out var known))
        {
            ids.AddRange(known);
            return;
        }

        var text = piece.ToString();
        // ignore_merges (Llama 3): a word that is itself a vocabulary entry is taken whole.
        int[] encoded = _ignoreMerges && _vocab.TryGetValue(ByteLevelTable.EncodeBytes(Encoding.UTF8.GetBytes(text)), out var whole)
            ? [whole]
            : [.. _bpe.EncodeToIds(text, considerPreTokenization: false, considerNormalization: false)];
        if (text.Length < MaxCachedPieceLength && Volatile.Read(ref _cachedPieces) < MaxCachedPieces && _pieceIds.TryAdd(text, encoded))
        {
            Interlocked.Increment(ref _cachedPieces);
        }

        ids.AddRange(encoded);
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string path)
    {
        if (!model.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
        {
            throw new ModelLoadException($"Tokenizer file '{path}': model.vocab is not an object.");
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabJson.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw new ModelLoadException($"Tokenizer file '{path}': vocab entry '{entry.Name}' has no valid id.");
            }

            vocab[entry.Name] = id;
        }

        return vocab;
    }

    private static List<string> ReadMerges(JsonElement model, string path)
    {
        var merges = new List<string>();
        if (!model.TryGetProperty("merges", out var mergesJson) || mergesJson.ValueKind == JsonValueKind.Null)
        {
            return merges;
        }

        if (mergesJson.ValueKind != JsonValueKind.Array)
        {
            throw new ModelLoadException($"Tokenizer file '{path}': model.merges is not an array.");
        }

        foreach (var merge in mergesJson.EnumerateArray())
        {
            // Both spellings exist in the wild: "a b" (older files) and ["a", "b"] (tokenizers 0.20+).
            switch (merge.ValueKind)
            {
                case JsonValueKind.String:
                    merges.Add(merge.GetString()!);
                    break;
                case JsonValueKind.Array when merge.GetArrayLength() == 2
                    && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String:
                    var left = merge[0].GetString()!;
                    var right = merge[1].GetString()!;
                    if (left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal))
                    {
                        throw new ModelLoadException($"Tokenizer file '{path}': merge ['{left}', '{right}'] contains a space, which byte-level BPE never has.");
                    }

                    merges.Add(left + " " + right);
                    break;
                default:
                    throw new ModelLoadException($"Tokenizer file '{path}': a model.merges entry is neither \"a b\" nor [a, b].");
            }
        }

        return merges;
    }

    private static Func<string, string>? ReadNormalizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var steps = new List<Func<string, string>>();
        AddNormalizerSteps(normalizer, steps, path);
        return steps.Count switch
        {
            0 => null,
            1 => steps[0],
            _ => text =>
            {
                foreach (var step in steps)
                {
                    text = step(text);
                }

                return text;
            },
        };
    }

    private static void AddNormalizerSteps(JsonElement normalizer, List<Func<string, string>> steps, string path)
    {
        var type = TokenizerJson.GetString(normalizer, "type");
        switch (type)
        {
            // string.Normalize is a no-op under invariant globalization, so canonical forms use bundled tables.
            case "NFC":
                steps.Add(UnicodeNormalizer.ToNfc);
                break;
            case "NFD":
                steps.Add(UnicodeNormalizer.ToNfd);
                break;
            case "Lowercase":
                steps.Add(static t => t.ToLowerInvariant());
                break;
            case "Sequence" when normalizer.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array:
                foreach (var inner in list.EnumerateArray())
                {
                    AddNormalizerSteps(inner, steps, path);
                }

                break;
            default:
                throw new ModelLoadException(
                    $"Tokenizer file '{path}': normalizer '{type}' is not supported (supported: null, NFC, NFD, Lowercase, Sequence).");
        }
    }
}
