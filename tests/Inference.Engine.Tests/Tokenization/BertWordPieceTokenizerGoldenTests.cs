using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>The encoder tokenizer against transformers' outputs in tiny-embed/golden.json.</summary>
[TestFixture]
public sealed class BertWordPieceTokenizerGoldenTests
{
    public static IEnumerable<TestCaseData> TokenizerCases() =>
        TokenizerFixtures.EmbedGolden["tokenizer_cases"]!.AsArray().Select((node, i) =>
            new TestCaseData(node!["text"]!.GetValue<string>(), TokenizerFixtures.Ids(node["ids"]))
                .SetArgDisplayNames($"{i:00}_{TokenizerFixtures.Label(node["text"]!.GetValue<string>())}"));

    public static IEnumerable<TestCaseData> EmbeddingCases() =>
        TokenizerFixtures.EmbedGolden["cases"]!.AsArray().Select(node =>
            new TestCaseData(node!["text"]!.GetValue<string>(), TokenizerFixtures.Ids(node["input_ids"]))
                .SetArgDisplayNames(node["name"]!.GetValue<string>()));

    [TestCaseSource(nameof(TokenizerCases))]
    [TestCaseSource(nameof(EmbeddingCases))]
    public void Encode_matches_golden_ids(string text, int[] ids)
    {
        Assert.That(TokenizerFixtures.EmbedTokenizer.Encode(text), Is.EqualTo(ids));
    }

    [TestCaseSource(nameof(TokenizerCases))]
    public void EncodeWithoutSpecialTokens_drops_only_cls_and_sep(string text, int[] ids)
    {
        Assert.That(TokenizerFixtures.EmbedTokenizer.EncodeWithoutSpecialTokens(text), Is.EqualTo(ids[1..^1]));
    }

    [Test]
    public void Special_ids_come_from_the_vocabulary()
    {
        var tokenizer = TokenizerFixtures.EmbedTokenizer;
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.PadId, Is.EqualTo(0));
            Assert.That(tokenizer.UnkId, Is.EqualTo(1));
            Assert.That(tokenizer.ClsId, Is.EqualTo(2));
            Assert.That(tokenizer.SepId, Is.EqualTo(3));
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(2048));
        });
    }

    [TestCaseSource(nameof(TokenizerCases))]
    public void Vocab_txt_alone_gives_the_same_ids(string text, int[] ids)
    {
        // A folder with only vocab.txt and tokenizer_config.json (older BERT checkpoints) must tokenize the same.
        var folder = Path.Combine(Path.GetTempPath(), "tok-embed-vocab-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(TokenizerFixtures.EmbedFolder, "vocab.txt"), Path.Combine(folder, "vocab.txt"), overwrite: true);
        File.Copy(Path.Combine(TokenizerFixtures.EmbedFolder, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"), overwrite: true);
        var tokenizer = BertWordPieceTokenizer.FromModelFolder(folder);
        Assert.That(tokenizer.Encode(text), Is.EqualTo(ids));
    }
}
