using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Inference.Engine.Tokenization;

/// <summary>Encoder-side tokenizer for BERT-style embedding models: Hugging Face's BertNormalizer, BertPreTokenizer
/// and WordPiece, read from <c>tokenizer.json</c> or from <c>vocab.txt</c> plus <c>tokenizer_config.json</c>.</summary>
/// <remarks>Immutable after construction and safe to use from several threads.</remarks>
public sealed class BertWordPieceTokenizer
{
    /// <summary>BertPreTokenizer: whitespace separates words, and every punctuation character (Unicode P* and all
    /// ASCII symbols) is a word of its own.</summary>
    internal const string BertPreTokenizerPattern = @"[\p{P}!-/:-@\[-`{-~]|[^\s\p{P}!-/:-@\[-`{-~]+";

    private readonly WordPieceTokenizer _wordPiece;
    private readonly BertTextNormalizer _normalizer;
    private readonly AddedTokenSplitter _addedTokens;

    private BertWordPieceTokenizer(WordPieceTokenizer wordPiece, BertTextNormalizer normalizer, IEnumerable<AddedToken> addedTokens,
        int clsId, int sepId, int padId, int unkId, int vocabularySize)
    {
        _wordPiece = wordPiece;
        _normalizer = normalizer;
        _addedTokens = new AddedTokenSplitter(addedTokens);
        ClsId = clsId;
        SepId = sepId;
        PadId = padId;
        UnkId = unkId;
        VocabularySize = vocabularySize;
    }

    /// <summary>Id of the classification token that starts every encoded text (<c>[CLS]</c>).</summary>
    public int ClsId { get; }

    /// <summary>Id of the separator token that ends every encoded text (<c>[SEP]</c>).</summary>
    public int SepId { get; }

    /// <summary>Id of the padding token (<c>[PAD]</c>).</summary>
    public int PadId { get; }

    /// <summary>Id of the unknown-word token (<c>[UNK]</c>).</summary>
    public int UnkId { get; }

    /// <summary>Number of vocabulary entries.</summary>
    public int VocabularySize { get; }

    /// <summary>Loads the tokenizer of a model folder: <c>tokenizer.json</c> when present, otherwise
    /// <c>vocab.txt</c> with the settings of <c>tokenizer_config.json</c>.</summary>
    /// <exception cref="ModelLoadException">No usable tokenizer files, or an unsupported tokenizer.</exception>
    public static BertWordPieceTokenizer FromModelFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var tokenizerJson = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            return FromTokenizerJson(tokenizerJson, folder);
        }

        var vocabTxt = Path.Combine(folder, "vocab.txt");
        if (File.Exists(vocabTxt))
        {
            return FromVocabTxt(vocabTxt, folder);
        }

        throw new ModelLoadException($"Model folder '{folder}' has neither tokenizer.json nor vocab.txt.");
    }

    /// <summary>Encodes a text as the model takes it: <c>[CLS]</c>, the word pieces, <c>[SEP]</c>.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4) { ClsId };
        EncodeInto(text, ids);
        ids.Add(SepId);
        return ids;
    }

    /// <summary>Encodes a text without <c>[CLS]</c>/<c>[SEP]</c> (special-token strings inside it still count).</summary>
    public IReadOnlyList<int> EncodeWithoutSpecialTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        EncodeInto(text, ids);
        return ids;
    }

    private void EncodeInto(string text, List<int> ids) =>
        _addedTokens.Split(
            text,
            segment => ids.AddRange(_wordPiece.EncodeToIds(_normalizer.Normalize(segment), considerPreTokenization: true, considerNormalization: false)),
            ids.Add);

    private static BertWordPieceTokenizer FromTokenizerJson(string path, string folder)
    {
        using var document = TokenizerJson.Load(path);
        var root = document.RootElement;
        var model = TokenizerJson.GetObject(root, "model");
        var type = TokenizerJson.GetString(model, "type");
        if (type != "WordPiece")
        {
            throw new ModelLoadException($"Tokenizer file '{path}': model type '{type ?? "(none)"}' is not supported for an encoder; only WordPiece is.");
        }

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

        var normalizerType = TokenizerJson.GetComponentType(root, "normalizer", path);
        if (normalizerType != "BertNormalizer")
        {
            throw new ModelLoadException($"Tokenizer file '{path}': normalizer '{normalizerType ?? "null"}' is not supported; only BertNormalizer is.");
        }

        var preTokenizerType = TokenizerJson.GetComponentType(root, "pre_tokenizer", path);
        if (preTokenizerType != "BertPreTokenizer")
        {
            throw new ModelLoadException($"Tokenizer file '{path}': pre_tokenizer '{preTokenizerType ?? "null"}' is not supported; only BertPreTokenizer is.");
        }

        var normalizerJson = TokenizerJson.GetObject(root, "normalizer");
        bool? stripAccents = normalizerJson.TryGetProperty("strip_accents", out var strip) && strip.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? strip.GetBoolean()
            : null;
        var normalizer = new BertTextNormalizer(
            TokenizerJson.GetBool(normalizerJson, "clean_text", fallback: true),
            TokenizerJson.GetBool(normalizerJson, "handle_chinese_chars", fallback: true),
            stripAccents,
            TokenizerJson.GetBool(normalizerJson, "lowercase", fallback: true));

        var unk = TokenizerJson.GetString(model, "unk_token") ?? "[UNK]";
        var prefix = TokenizerJson.GetString(model, "continuing_subword_prefix") ?? "##";
        var maxChars = model.TryGetProperty("max_input_chars_per_word", out var max) && max.TryGetInt32(out var m) ? m : 100;
        var config = ReadConfig(folder);
        return Create(path, vocab, normalizer, TokenizerJson.ReadAddedTokens(root, path), unk, prefix, maxChars, config);
    }

    private static BertWordPieceTokenizer FromVocabTxt(string path, string folder)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var id = 0;
        foreach (var line in File.ReadLines(path))
        {
            // Hugging Face keeps the first id of a duplicated line.
            vocab.TryAdd(line.TrimEnd('\r'), id++);
        }

        var config = ReadConfig(folder);
        var lowercase = config?.Lowercase ?? true;
        var normalizer = new BertTextNormalizer(cleanText: true, config?.TokenizeChineseChars ?? true, config?.StripAccents, lowercase);

        // Special tokens in vocab.txt are matched in text the way transformers' BertTokenizer does.
        var added = new List<AddedToken>();
        foreach (var name in new[] { config?.Unk ?? "[UNK]", config?.Sep ?? "[SEP]", config?.Pad ?? "[PAD]", config?.Cls ?? "[CLS]", config?.Mask ?? "[MASK]" })
        {
            if (vocab.TryGetValue(name, out var specialId))
            {
                added.Add(new AddedToken(specialId, name, Special: true, LStrip: false, RStrip: false));
            }
        }

        return Create(path, vocab, normalizer, added, config?.Unk ?? "[UNK]", "##", 100, config);
    }

    private static BertWordPieceTokenizer Create(string path, Dictionary<string, int> vocab, BertTextNormalizer normalizer,
        List<AddedToken> addedTokens, string unk, string prefix, int maxChars, BertConfig? config)
    {
        int Require(string? name, string fallback)
        {
            var token = name ?? fallback;
            return vocab.TryGetValue(token, out var id)
                ? id
                : throw new ModelLoadException($"Tokenizer file '{path}': special token '{token}' is not in the vocabulary.");
        }

        var size = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;

        // Microsoft.ML.Tokenizers reads the vocabulary as vocab.txt lines, so write one in id order.
        var lines = new string[size];
        foreach (var (token, id) in vocab)
        {
            lines[id] = token;
        }

        for (var i = 0; i < size; i++)
        {
            lines[i] ??= $"[unused-id-{i}]";
        }

        WordPieceTokenizer wordPiece;
        using (var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))))
        {
            try
            {
                wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions
                {
                    PreTokenizer = new RegexPreTokenizer(new Regex(BertPreTokenizerPattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), null),
                    UnknownToken = unk,
                    ContinuingSubwordPrefix = prefix,
                    MaxInputCharsPerWord = maxChars,
                });
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
            {
                throw new ModelLoadException($"Tokenizer file '{path}': the WordPiece model cannot be built: {ex.Message}", ex);
            }
        }

        return new BertWordPieceTokenizer(wordPiece, normalizer, addedTokens,
            Require(config?.Cls, "[CLS]"), Require(config?.Sep, "[SEP]"), Require(config?.Pad, "[PAD]"), Require(unk, "[UNK]"), size);
    }

    private static BertConfig? ReadConfig(string folder)
    {
        var path = Path.Combine(folder, "tokenizer_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = TokenizerJson.Load(path);
        var root = document.RootElement;
        bool? Flag(string name) => root.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;
        return new BertConfig(
            Flag("do_lower_case"),
            Flag("strip_accents"),
            Flag("tokenize_chinese_chars"),
            TokenizerConfig.ReadToken(root, "cls_token"),
            TokenizerConfig.ReadToken(root, "sep_token"),
            TokenizerConfig.ReadToken(root, "pad_token"),
            TokenizerConfig.ReadToken(root, "unk_token"),
            TokenizerConfig.ReadToken(root, "mask_token"));
    }

    private sealed record BertConfig(bool? Lowercase, bool? StripAccents, bool? TokenizeChineseChars,
        string? Cls, string? Sep, string? Pad, string? Unk, string? Mask);
}
