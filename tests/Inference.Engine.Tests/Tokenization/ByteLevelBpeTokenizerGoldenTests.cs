using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>The chat tokenizer against transformers' outputs in tiny-chat/golden.json.</summary>
[TestFixture]
public sealed class ByteLevelBpeTokenizerGoldenTests
{
    public static IEnumerable<TestCaseData> TokenizerCases() =>
        TokenizerFixtures.ChatGolden["tokenizer_cases"]!.AsArray().Select((node, i) =>
            new TestCaseData(
                    node!["text"]!.GetValue<string>(),
                    TokenizerFixtures.Ids(node["ids"]),
                    node["decoded"]!.GetValue<string>(),
                    node["decoded_skip_special"]!.GetValue<string>())
                .SetArgDisplayNames($"{i:00}_{TokenizerFixtures.Label(node["text"]!.GetValue<string>())}"));

    public static IEnumerable<TestCaseData> PromptCases() =>
        TokenizerFixtures.ChatGolden["cases"]!.AsArray()
            .Where(node => node!["prompt_text"] is not null)
            .Select(node => new TestCaseData(node!["prompt_text"]!.GetValue<string>(), TokenizerFixtures.Ids(node["prompt_ids"]))
                .SetArgDisplayNames(node["name"]!.GetValue<string>()));

    public static IEnumerable<TestCaseData> GreedyCases()
    {
        foreach (var node in TokenizerFixtures.ChatGolden["cases"]!.AsArray())
        {
            var name = node!["name"]!.GetValue<string>();
            if (node["greedy_ids"] is not null)
            {
                yield return new TestCaseData(TokenizerFixtures.Ids(node["greedy_ids"]), node["greedy_text"]!.GetValue<string>())
                    .SetArgDisplayNames(name);
            }

            // The batch case nests its rows.
            if (node["cases"] is { } rows)
            {
                foreach (var row in rows.AsArray())
                {
                    yield return new TestCaseData(TokenizerFixtures.Ids(row!["greedy_ids"]), row["greedy_text"]!.GetValue<string>())
                        .SetArgDisplayNames($"{name}/{row["name"]!.GetValue<string>()}");
                }
            }
        }
    }

    [TestCaseSource(nameof(TokenizerCases))]
    public void Encode_matches_golden_ids(string text, int[] ids, string decoded, string decodedSkipSpecial)
    {
        Assert.That(TokenizerFixtures.ChatTokenizer.Encode(text), Is.EqualTo(ids));
    }

    [TestCaseSource(nameof(TokenizerCases))]
    public void Decode_matches_golden_text(string text, int[] ids, string decoded, string decodedSkipSpecial)
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.Decode(ids, skipSpecialTokens: false), Is.EqualTo(decoded));
            Assert.That(tokenizer.Decode(ids, skipSpecialTokens: true), Is.EqualTo(decodedSkipSpecial));
        });
    }

    [TestCaseSource(nameof(PromptCases))]
    public void Prompt_text_encodes_to_prompt_ids(string promptText, int[] promptIds)
    {
        Assert.That(TokenizerFixtures.ChatTokenizer.Encode(promptText), Is.EqualTo(promptIds));
    }

    [TestCaseSource(nameof(GreedyCases))]
    public void Greedy_ids_decode_to_greedy_text(int[] greedyIds, string greedyText)
    {
        Assert.That(TokenizerFixtures.ChatTokenizer.Decode(greedyIds, skipSpecialTokens: true), Is.EqualTo(greedyText));
    }

    [Test]
    public void Special_tokens_are_known()
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        foreach (var (content, expected) in new[] { ("<|endoftext|>", 0), ("<|im_start|>", 1), ("<|im_end|>", 2) })
        {
            Assert.That(tokenizer.TryGetTokenId(content, out var id), Is.True, content);
            Assert.That(id, Is.EqualTo(expected), content);
            Assert.That(tokenizer.IsSpecialToken(id), Is.True, content);
            Assert.That(tokenizer.GetTokenBytes(id).ToArray(), Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(content)), content);
        }

        Assert.That(tokenizer.VocabularySize, Is.EqualTo(2048));
        Assert.That(tokenizer.IsSpecialToken(3), Is.False);
        Assert.That(tokenizer.TryGetTokenId("no such token", out _), Is.False);
    }

    [Test]
    public void Unknown_ids_have_no_bytes_and_are_skipped_by_decode()
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        Assert.That(tokenizer.GetTokenBytes(-1).IsEmpty, Is.True);
        Assert.That(tokenizer.GetTokenBytes(tokenizer.VocabularySize).IsEmpty, Is.True);
        var ids = tokenizer.Encode("Hi").Concat([tokenizer.VocabularySize + 5]).ToArray();
        Assert.That(tokenizer.Decode(ids, skipSpecialTokens: false), Is.EqualTo("Hi"));
    }

    [Test]
    public void Byte_tokens_map_through_the_gpt2_table()
    {
        var tokenizer = TokenizerFixtures.ChatTokenizer;
        Assert.That(tokenizer.TryGetTokenId("Ġ", out var space), Is.True);
        Assert.That(tokenizer.GetTokenBytes(space).ToArray(), Is.EqualTo(new byte[] { 0x20 }));
        Assert.That(tokenizer.TryGetTokenId("Ċ", out var newline), Is.True);
        Assert.That(tokenizer.GetTokenBytes(newline).ToArray(), Is.EqualTo(new byte[] { 0x0A }));
    }
}
