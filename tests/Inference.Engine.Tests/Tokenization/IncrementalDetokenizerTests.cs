using System.Text;
using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>Streaming decode: the pieces join to Decode(ids) and never carry a broken character.</summary>
[TestFixture]
public sealed class IncrementalDetokenizerTests
{
    public static IEnumerable<TestCaseData> TokenizerCases() => ByteLevelBpeTokenizerGoldenTests.TokenizerCases();

    [TestCaseSource(nameof(TokenizerCases))]
    public void Pieces_join_to_decode_and_hold_no_broken_characters(string text, int[] ids, string decoded, string decodedSkipSpecial)
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        foreach (var skip in new[] { false, true })
        {
            var pieces = Stream(tokenizer, ids, skip);
            Assert.That(string.Concat(pieces), Is.EqualTo(tokenizer.Decode(ids, skip)), $"skipSpecialTokens={skip}");
            foreach (var piece in pieces)
            {
                Assert.That(piece, Does.Not.Contain('\uFFFD'), $"piece '{piece}' (skipSpecialTokens={skip})");
                Assert.That(HasLoneSurrogate(piece), Is.False, $"piece '{piece}' (skipSpecialTokens={skip})");
            }
        }
    }

    [Test]
    public void Multibyte_characters_split_over_tokens_are_held_until_complete()
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        var ids = tokenizer.Encode("emoji 😀🎉👍🏽");

        // The tiny vocabulary spells emoji as single bytes, so some Append calls must return nothing.
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        var emptyPieces = ids.Count(id => detokenizer.Append(id).Length == 0);
        Assert.That(emptyPieces, Is.GreaterThan(0));
        Assert.That(detokenizer.Flush(), Is.Empty);
    }

    [Test]
    public void Random_id_sequences_join_to_decode()
    {
        // Random ids produce arbitrary (often invalid) UTF-8: the replacement characters must land exactly where
        // Decode puts them.
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        var random = new Random(12345);
        for (var round = 0; round < 300; round++)
        {
            var ids = Enumerable.Range(0, random.Next(1, 40)).Select(_ => random.Next(0, tokenizer.VocabularySize)).ToArray();
            foreach (var skip in new[] { false, true })
            {
                var joined = string.Concat(Stream(tokenizer, ids, skip));
                Assert.That(joined, Is.EqualTo(tokenizer.Decode(ids, skip)), $"ids [{string.Join(", ", ids)}], skip={skip}");
            }
        }
    }

    [Test]
    public void Flush_emits_an_unfinished_character_as_a_replacement_and_resets()
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        var detokenizer = new IncrementalDetokenizer(tokenizer);
        Assert.That(tokenizer.TryGetTokenId(ByteToken(0xF0), out var lead), Is.True);
        Assert.That(tokenizer.TryGetTokenId(ByteToken(0x9F), out var continuation), Is.True);
        Assert.That(detokenizer.Append(lead), Is.Empty);
        Assert.That(detokenizer.Append(continuation), Is.Empty);
        Assert.That(detokenizer.Flush(), Is.EqualTo("\uFFFD"));
        Assert.That(detokenizer.Flush(), Is.Empty);
    }

    [Test]
    public void Special_tokens_are_skipped_or_kept()
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        var skipping = new IncrementalDetokenizer(tokenizer);
        var keeping = new IncrementalDetokenizer(tokenizer, skipSpecialTokens: false);
        Assert.That(skipping.Append(2), Is.Empty);
        Assert.That(keeping.Append(2), Is.EqualTo("<|im_end|>"));
    }

    [TestCase(new byte[] { }, 0)]
    [TestCase(new byte[] { 0x41 }, 1)]
    [TestCase(new byte[] { 0x41, 0xC3 }, 1)]
    [TestCase(new byte[] { 0xC3, 0xA9 }, 2)]
    [TestCase(new byte[] { 0x41, 0xE2, 0x82 }, 1)]
    [TestCase(new byte[] { 0xF0, 0x9F, 0x98 }, 0)]
    [TestCase(new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, 4)]
    [TestCase(new byte[] { 0x41, 0x80 }, 2)] // stray continuation: already final
    [TestCase(new byte[] { 0xE0, 0x80 }, 2)] // overlong start: never valid
    [TestCase(new byte[] { 0xED, 0xA0 }, 2)] // surrogate start: never valid
    [TestCase(new byte[] { 0xF4, 0x90 }, 2)] // past U+10FFFF: never valid
    [TestCase(new byte[] { 0xC0 }, 1)] // never a lead byte
    [TestCase(new byte[] { 0xE2, 0x41 }, 2)] // broken by ASCII: final
    public void CompleteLength_holds_back_only_a_completable_tail(byte[] bytes, int expected)
    {
        Assert.That(IncrementalDetokenizer.CompleteLength(bytes), Is.EqualTo(expected));
    }

    private static List<string> Stream(ITokenizer tokenizer, IEnumerable<int> ids, bool skip)
    {
        var detokenizer = new IncrementalDetokenizer(tokenizer, skip);
        var pieces = ids.Select(detokenizer.Append).ToList();
        pieces.Add(detokenizer.Flush());
        return pieces;
    }

    private static string ByteToken(byte b)
    {
        // GPT-2's byte table: printable Latin-1 bytes keep their character, others shift to U+0100 and up.
        var next = 256;
        for (var i = 0; i < 256; i++)
        {
            var printable = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            var c = printable ? (char)i : (char)next++;
            if (i == b)
            {
                return c.ToString();
            }
        }

        throw new InvalidOperationException();
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
