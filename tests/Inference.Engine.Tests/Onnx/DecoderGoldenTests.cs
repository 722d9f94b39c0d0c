using System.Text.Json;
using Inference.Engine.Onnx;

namespace Inference.Engine.Tests.Onnx;

/// <summary>
/// The decoder against Hugging Face transformers' outputs for tiny-chat: the same greedy tokens, the same top-5
/// logits at every step (prefill and cached decode), and the same tokens from a left-padded batch.
/// </summary>
[TestFixture]
public sealed class DecoderGoldenTests
{
    private const float LogitTolerance = 1e-3f;
    private DecoderSession _decoder = null!;

    private static string ModelFolder => GoldenFiles.ModelFolder("tiny-chat");

    private static JsonElement Golden => GoldenFiles.TinyChat.RootElement;

    [OneTimeSetUp]
    public void LoadModel()
    {
        var config = GenAiConfig.Load(Path.Combine(ModelFolder, "genai_config.json"));
        _decoder = new DecoderSession(config, ModelFolder, ExecutionProvider.Cpu, intraOpThreads: 1);
    }

    [OneTimeTearDown]
    public void Dispose() => _decoder.Dispose();

    public static IEnumerable<TestCaseData> SingleCases() =>
        GoldenFiles.TinyChat.RootElement.GetProperty("cases").EnumerateArray()
            .Where(c => c.GetProperty("kind").GetString() is "chat" or "raw")
            .Select(c => new TestCaseData(c.GetProperty("name").GetString()!).SetName($"Greedy_MatchesReference({c.GetProperty("name").GetString()})"));

    [TestCaseSource(nameof(SingleCases))]
    public void Greedy_MatchesReference(string name)
    {
        var golden = Golden.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var prompt = Ints(golden.GetProperty("prompt_ids"));
        var expected = Ints(golden.GetProperty("greedy_ids"));
        var stepTop5 = golden.GetProperty("step_top5").EnumerateArray().ToArray();
        var eos = Ints(Golden.GetProperty("eos_token_ids")).ToHashSet();

        var generated = GreedyRows(_decoder, [prompt], 32, eos, (row, step, logits) =>
        {
            AssertTop5(logits, stepTop5[step], $"{name} step {step}");
            if (step == 0 && golden.TryGetProperty("first_step_logits", out var full))
            {
                var reference = full.EnumerateArray().Select(v => v.GetSingle()).ToArray();
                Assert.That(reference, Has.Length.EqualTo(logits.Length));
                for (int i = 0; i < reference.Length; i++)
                {
                    Assert.That(logits[i], Is.EqualTo(reference[i]).Within(LogitTolerance), $"{name}: prefill logit {i}");
                }
            }
        })[0];

        Assert.That(generated, Is.EqualTo(expected), $"{name}: greedy ids");
    }

    [Test]
    public void LeftPaddedBatch_GivesEachRowItsSinglePromptTokens()
    {
        var batchCase = Golden.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == "batch");
        var rows = batchCase.GetProperty("cases").EnumerateArray().ToArray();
        var prompts = rows.Select(r => Ints(r.GetProperty("prompt_ids"))).ToArray();
        var eos = Ints(Golden.GetProperty("eos_token_ids")).ToHashSet();

        // The padded layout the reference used.
        var inputIds = batchCase.GetProperty("input_ids").EnumerateArray().SelectMany(Ints).Select(i => (long)i).ToArray();
        var (padded, mask, positions) = LeftPad(prompts, 0);
        Assert.That(padded, Is.EqualTo(inputIds));
        Assert.That(mask, Is.EqualTo(batchCase.GetProperty("attention_mask").EnumerateArray().SelectMany(Ints).Select(i => (long)i).ToArray()));
        Assert.That(positions, Is.EqualTo(batchCase.GetProperty("position_ids").EnumerateArray().SelectMany(Ints).Select(i => (long)i).ToArray()));

        var generated = GreedyRows(_decoder, prompts, 32, eos, (row, step, logits) =>
        {
            if (step == 0)
            {
                AssertTop5(logits, rows[row].GetProperty("first_step_top5"), $"batch row {row}");
            }
        });
        for (int r = 0; r < rows.Length; r++)
        {
            Assert.That(generated[r], Is.EqualTo(Ints(rows[r].GetProperty("greedy_ids"))), $"batch row {r}");
        }
    }

    private static void AssertTop5(float[] logits, JsonElement top5, string where)
    {
        var expected = top5.EnumerateArray().Select(p => (Id: p[0].GetInt32(), Logit: p[1].GetSingle())).ToArray();
        var actual = logits.Select((l, i) => (Id: i, Logit: l)).OrderByDescending(p => p.Logit).Take(5).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i].Id, Is.EqualTo(expected[i].Id), $"{where}: top-{i + 1} id");
            Assert.That(logits[expected[i].Id], Is.EqualTo(expected[i].Logit).Within(LogitTolerance), $"{where}: logit of {expected[i].Id}");
        }
    }

    /// <summary>Greedy decoding of several prompts as one left-padded batch, straight on the session.</summary>
    internal static List<int>[] GreedyRows(
        DecoderSession decoder, int[][] prompts, int maxNew, HashSet<int> eos, Action<int, int, float[]> onLogits)
    {
        var config = decoder.Config;
        int batch = prompts.Length;
        var (ids, mask, positions) = LeftPad(prompts, config.PadTokenId);
        int length = prompts.Max(p => p.Length);
        var generated = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var done = new bool[batch];
        var maskRows = Enumerable.Range(0, batch).Select(r => mask.Skip(r * length).Take(length).ToList()).ToArray();
        var next = new int[batch];
        var nextPosition = prompts.Select(p => (long)p.Length).ToArray();
        var past = KvCache.Empty(config, batch);
        int sequenceLength = length;
        for (int step = 0; step < maxNew && !done.All(d => d); step++)
        {
            var (logits, present) = decoder.Run(ids, maskRows.SelectMany(m => m).ToArray(), positions, batch, sequenceLength, past);
            past.Dispose();
            past = present;
            using (logits)
            {
                var data = logits.GetTensorDataAsSpan<float>();
                int vocabulary = config.VocabSize;
                for (int r = 0; r < batch; r++)
                {
                    var row = data.Slice(((r * sequenceLength) + sequenceLength - 1) * vocabulary, vocabulary).ToArray();
                    next[r] = Inference.Engine.Sampling.Sampler.ArgMax(row);
                    if (!done[r])
                    {
                        onLogits(r, step, row);
                        generated[r].Add(next[r]);
                        done[r] = eos.Contains(next[r]);
                    }
                }
            }

            ids = next.Select(t => (long)t).ToArray();
            positions = nextPosition.ToArray();
            for (int r = 0; r < batch; r++)
            {
                maskRows[r].Add(1);
                nextPosition[r]++;
            }

            sequenceLength = 1;
        }

        past.Dispose();
        return generated;
    }

    internal static (long[] Ids, long[] Mask, long[] Positions) LeftPad(int[][] prompts, int padId)
    {
        int length = prompts.Max(p => p.Length);
        var ids = new long[prompts.Length * length];
        var mask = new long[ids.Length];
        var positions = new long[ids.Length];
        for (int r = 0; r < prompts.Length; r++)
        {
            int padding = length - prompts[r].Length;
            for (int t = 0; t < length; t++)
            {
                bool real = t >= padding;
                ids[(r * length) + t] = real ? prompts[r][t - padding] : padId;
                mask[(r * length) + t] = real ? 1 : 0;
                positions[(r * length) + t] = real ? t - padding : 1;
            }
        }

        return (ids, mask, positions);
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
