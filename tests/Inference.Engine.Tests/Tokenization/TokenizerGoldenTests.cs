using System.Text;
using System.Text.Json;
using Inference.Engine.Tokenization;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>Both tokenizers against Hugging Face tokenizers' outputs, id for id.</summary>
[TestFixture]
public sealed class TokenizerGoldenTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> Chat = new(() =>
        ByteLevelBpeTokenizer.FromTokenizerJson(Path.Combine(GoldenFiles.ModelFolder("tiny-chat"), "tokenizer.json")));

    private static readonly Lazy<BertWordPieceTokenizer> Embed = new(() =>
        BertWordPieceTokenizer.FromModelFolder(GoldenFiles.ModelFolder("tiny-embed")));

    public static IEnumerable<TestCaseData> ChatTokenizerCases() => Named(GoldenFiles.TinyChat, "tokenizer_cases");

    public static IEnumerable<TestCaseData> ChatPromptCases() => Named(GoldenFiles.TinyChat, "cases")
        .Where(c => ((JsonElement)c.Arguments[0]!).TryGetProperty("prompt_ids", out _));

    public static IEnumerable<TestCaseData> EmbedTokenizerCases() => Named(GoldenFiles.TinyEmbed, "tokenizer_cases");

    public static IEnumerable<TestCaseData> EmbedCases() => Named(GoldenFiles.TinyEmbed, "cases");

    private static IEnumerable<TestCaseData> Named(JsonDocument document, string property) =>
        document.RootElement.GetProperty(property).EnumerateArray().Select((c, i) =>
            new TestCaseData(c).SetArgDisplayNames(c.TryGetProperty("name", out var n) ? n.GetString()! : $"{i}: {Shorten(c.GetProperty("text").GetString()!)}"));

    private static string Shorten(string text) =>
        new string(text.Take(24).Select(ch => char.IsControl(ch) ? '·' : ch).ToArray());

    [TestCaseSource(nameof(ChatTokenizerCases))]
    public void ByteLevelBpe_EncodesAndDecodesLikeTheReference(JsonElement golden)
    {
        string text = golden.GetProperty("text").GetString()!;
        var expected = Ints(golden.GetProperty("ids"));

        Assert.That(Chat.Value.Encode(text), Is.EqualTo(expected), "ids");
        Assert.That(Chat.Value.Decode(expected, skipSpecialTokens: false), Is.EqualTo(golden.GetProperty("decoded").GetString()), "decoded");
        Assert.That(Chat.Value.Decode(expected, skipSpecialTokens: true), Is.EqualTo(golden.GetProperty("decoded_skip_special").GetString()), "decoded, specials skipped");
    }

    [TestCaseSource(nameof(ChatTokenizerCases))]
    public void IncrementalDecoding_JoinsToTheWholeDecode_AndNeverBreaksACharacter(JsonElement golden)
    {
        var ids = Ints(golden.GetProperty("ids"));
        var detokenizer = new IncrementalDetokenizer(Chat.Value, skipSpecialTokens: false);
        var pieces = ids.Select(detokenizer.Append).Append(detokenizer.Flush()).ToList();

        Assert.That(string.Concat(pieces), Is.EqualTo(Chat.Value.Decode(ids, skipSpecialTokens: false)));
        foreach (string piece in pieces)
        {
            Assert.That(piece, Does.Not.Contain("\uFFFD"), $"piece '{piece}' carries a broken character");
            Assert.That(piece.EnumerateRunes().Count(), Is.EqualTo(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(piece)).EnumerateRunes().Count()), "lone surrogate");
        }
    }

    [TestCaseSource(nameof(ChatPromptCases))]
    public void ChatPrompts_EncodeToTheReferenceIds_AndAnswersDecodeToTheReferenceText(JsonElement golden)
    {
        Assert.That(Chat.Value.Encode(golden.GetProperty("prompt_text").GetString()!), Is.EqualTo(Ints(golden.GetProperty("prompt_ids"))));
        Assert.That(Chat.Value.Decode(Ints(golden.GetProperty("greedy_ids")), skipSpecialTokens: true), Is.EqualTo(golden.GetProperty("greedy_text").GetString()));
    }

    [Test]
    public void SpecialTokens_AreKnownAndFlagged()
    {
        Assert.That(Chat.Value.TryGetTokenId("<|im_end|>", out int id), Is.True);
        Assert.That(id, Is.EqualTo(2));
        Assert.That(Chat.Value.IsSpecialToken(2), Is.True);
        Assert.That(Chat.Value.IsSpecialToken(614), Is.False);
        Assert.That(Chat.Value.VocabularySize, Is.EqualTo(2048));
    }

    [TestCaseSource(nameof(EmbedTokenizerCases))]
    public void WordPiece_EncodesLikeTheReference(JsonElement golden)
    {
        Assert.That(Embed.Value.Encode(golden.GetProperty("text").GetString()!), Is.EqualTo(Ints(golden.GetProperty("ids"))));
    }

    [TestCaseSource(nameof(EmbedCases))]
    public void WordPiece_EncodesEveryEmbeddingCaseLikeTheReference(JsonElement golden)
    {
        Assert.That(Embed.Value.Encode(golden.GetProperty("text").GetString()!), Is.EqualTo(Ints(golden.GetProperty("input_ids"))));
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
