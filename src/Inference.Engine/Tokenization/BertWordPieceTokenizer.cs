using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Inference.Engine.Tokenization;

/// <summary>
/// The tokenizer of BERT-style encoders: BERT normalisation, a split on whitespace and punctuation, WordPiece with
/// <c>##</c> continuations, and <c>[CLS] ... [SEP]</c> around the ids. Microsoft.ML.Tokenizers' BertTokenizer drops
/// symbols and emoji that Hugging Face maps to [UNK], so this composes its WordPieceTokenizer with the exact
/// normaliser and pre-tokenizer instead.
/// </summary>
public sealed class BertWordPieceTokenizer
{
    /// <summary>Every Unicode punctuation character and the ASCII symbols BERT treats as punctuation stand alone.</summary>
    private const string PreTokenizerPattern = @"[\p{P}!-/:-@\[-`{-~]|[^\s\p{P}!-/:-@\[-`{-~]+";

    private readonly WordPieceTokenizer _wordPiece;

    private BertWordPieceTokenizer(WordPieceTokenizer wordPiece, int cls, int sep, int pad, int unk)
    {
        _wordPiece = wordPiece;
        ClsId = cls;
        SepId = sep;
        PadId = pad;
        UnkId = unk;
    }

    /// <summary>The id of [CLS].</summary>
    public int ClsId { get; }

    /// <summary>The id of [SEP].</summary>
    public int SepId { get; }

    /// <summary>The id of [PAD].</summary>
    public int PadId { get; }

    /// <summary>The id of [UNK].</summary>
    public int UnkId { get; }

    /// <summary>Loads <c>vocab.txt</c> (one token per line, in id order) and the casing from
    /// <c>tokenizer_config.json</c>.</summary>
    public static BertWordPieceTokenizer FromModelFolder(string folder)
    {
        string vocabPath = Path.Combine(folder, "vocab.txt");
        if (!File.Exists(vocabPath))
        {
            throw new ModelLoadException($"{vocabPath}: the WordPiece vocabulary is missing.");
        }

        bool lowerCase = true;
        bool? stripAccents = null;
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(configPath));
            if (config.RootElement.TryGetProperty("do_lower_case", out var lower))
            {
                lowerCase = lower.ValueKind != JsonValueKind.False;
            }

            if (config.RootElement.TryGetProperty("strip_accents", out var strip) && strip.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                stripAccents = strip.ValueKind == JsonValueKind.True;
            }
        }

        var vocabulary = File.ReadAllLines(vocabPath);
        int Find(string token) => Array.IndexOf(vocabulary, token) is var i and >= 0
            ? i
            : throw new ModelLoadException($"{vocabPath}: the special token {token} is missing.");

        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" })
        {
            if (Array.IndexOf(vocabulary, token) is var index and >= 0)
            {
                specials[token] = index;
            }
        }

        using var stream = File.OpenRead(vocabPath);
        var wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions
        {
            Normalizer = new BertNormalizer(lowerCase, stripAccents ?? lowerCase),
            PreTokenizer = new RegexPreTokenizer(new Regex(PreTokenizerPattern, RegexOptions.Compiled), null),
            SpecialTokens = specials,
            UnknownToken = "[UNK]",
            ContinuingSubwordPrefix = "##",
            MaxInputCharsPerWord = 100,
        });
        return new BertWordPieceTokenizer(wordPiece, Find("[CLS]"), Find("[SEP]"), Find("[PAD]"), Find("[UNK]"));
    }

    /// <summary>Encodes text with [CLS] and [SEP] around it, as the model was trained.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var inner = EncodeWithoutSpecialTokens(text);
        var ids = new int[inner.Count + 2];
        ids[0] = ClsId;
        for (int i = 0; i < inner.Count; i++)
        {
            ids[i + 1] = inner[i];
        }

        ids[^1] = SepId;
        return ids;
    }

    /// <summary>Encodes text without the special tokens.</summary>
    public IReadOnlyList<int> EncodeWithoutSpecialTokens(string text) => _wordPiece.EncodeToIds(text);
}
