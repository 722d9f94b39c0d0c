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
    public void Words_from_the_cache_encode_as_they_did_the_first_time()
    {
        // A tokenizer of its own, so the first pass encodes every word afresh and the second reads them all back.
        var tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(Path.Combine(TokenizerFixtures.ChatFolder, "tokenizer.json"));
        var cases = TokenizerCases().Select(c => ((string)c.Arguments[0]!, (int[])c.Arguments[1]!)).ToList();
        foreach (var pass in new[] { "first", "second" })
        {
            foreach (var (text, ids) in cases)
            {
                Assert.That(tokenizer.Encode(text), Is.EqualTo(ids), $"{pass} pass: {text}");
            }
        }
    }

    [Test]
    public void Concurrent_encodes_of_the_same_words_agree_with_the_goldens()
    {
        var tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(Path.Combine(TokenizerFixtures.ChatFolder, "tokenizer.json"));
        var cases = TokenizerCases().Select(c => ((string)c.Arguments[0]!, (int[])c.Arguments[1]!)).ToArray();
        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 50 * cases.Length; i++)
            {
                var (text, ids) = cases[random.Next(cases.Length)];
                if (!tokenizer.Encode(text).SequenceEqual(ids))
                {
                    wrong.Add(text);
                }
            }
        });

        Assert.That(wrong, Is.Empty);
    }

    [Test]
    public void The_word_cache_is_bounded_and_words_past_it_still_encode_right()
    {
        var tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(Path.Combine(TokenizerFixtures.ChatFolder, "tokenizer.json"));
        var longWord = new string('a', 300);
        var longIds = tokenizer.Encode(longWord);
        Assert.That(tokenizer.CachedPieces, Is.Zero, "a word of 256 characters or more is not kept");
        Assert.That(tokenizer.Decode(longIds, skipSpecialTokens: false), Is.EqualTo(longWord));

        // Twelve thousand distinct words, more than the cache keeps.
        tokenizer.Encode(string.Join(' ', Enumerable.Range(0, 12_000).Select(i => "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.That(tokenizer.CachedPieces, Is.EqualTo(10_000));

        foreach (var testCase in TokenizerCases())
        {
            var (text, ids) = ((string)testCase.Arguments[0]!, (int[])testCase.Arguments[1]!);
            Assert.That(tokenizer.Encode(text), Is.EqualTo(ids), text);
        }

        Assert.That(tokenizer.CachedPieces, Is.EqualTo(10_000));
        Assert.That(tokenizer.Encode(longWord), Is.EqualTo(longIds));
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
