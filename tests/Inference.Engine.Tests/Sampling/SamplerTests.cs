using Inference.Engine.Sampling;

namespace Inference.Engine.Tests.Sampling;

[TestFixture]
public sealed class SamplerTests
{
    private static float[] Logits(int size, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, size).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
    }

    private static int[] Run(SamplingOptions options, int steps, int seed = 7)
    {
        var sampler = new Sampler(options, 64, [1, 2, 3]);
        return Enumerable.Range(0, steps).Select(i => sampler.Next(Logits(64, seed + i))).ToArray();
    }

    [Test]
    public void TemperatureZero_PicksTheLargestLogit()
    {
        var tokens = Run(SamplingOptions.Greedy, 20);
        var expected = Enumerable.Range(0, 20).Select(i => Sampler.ArgMax(Logits(64, 7 + i))).ToArray();
        Assert.That(tokens, Is.EqualTo(expected));
    }

    [Test]
    public void TopKOne_EqualsGreedy_AtAnyTemperature()
    {
        var greedy = Run(SamplingOptions.Greedy, 20);
        Assert.That(Run(new SamplingOptions { Temperature = 1.5f, TopK = 1, Seed = 3 }, 20), Is.EqualTo(greedy));
    }

    [Test]
    public void SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        var options = new SamplingOptions { Temperature = 1f, Seed = 42 };
        Assert.That(Run(options, 50), Is.EqualTo(Run(options, 50)));
        Assert.That(Run(options with { Seed = 43 }, 50), Is.Not.EqualTo(Run(options, 50)));
    }

    [Test]
    public void TopP_KeepsOnlyTheNucleus()
    {
        // One token holds ~99.9% of the mass: top_p 0.5 must always pick it.
        var logits = new float[16];
        logits[5] = 10f;
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 0.5f, Seed = 1 }, 16, []);
        Assert.That(Enumerable.Range(0, 200).Select(_ => sampler.Next(logits)).Distinct(), Is.EqualTo(new[] { 5 }));
    }

    [Test]
    public void TopK_DrawsOnlyFromTheKMostLikely_AndReachesEachOfThem()
    {
        // 32k entries: the heap selection, not a full sort, decides; the allowed set is computed by sorting here.
        var logits = Logits(32000, 11);
        var allowed = logits.Select((value, id) => (value, id)).OrderByDescending(x => x.value).Take(5).Select(x => x.id).Order().ToArray();
        var sampler = new Sampler(new SamplingOptions { Temperature = 2f, TopK = 5, Seed = 4 }, 32000, []);
        var seen = Enumerable.Range(0, 400).Select(_ => sampler.Next(logits)).Distinct().Order().ToArray();
        Assert.That(seen, Is.EqualTo(allowed));
    }

    [Test]
    public void TopP_DrawsOnlyFromTheSmallestSetCoveringP_OverAFlatTail()
    {
        // Three likely tokens (about 0.987 of the mass) and a long flat tail: top_p 0.9 must keep the three and
        // nothing else.
        var logits = Enumerable.Repeat(-5f, 32000).ToArray();
        logits[10] = 9f;
        logits[20] = 8.5f;
        logits[30] = 8f;
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 0.9f, Seed = 2 }, 32000, []);
        var seen = Enumerable.Range(0, 400).Select(_ => sampler.Next(logits)).Distinct().Order().ToArray();
        Assert.That(seen, Is.EqualTo(new[] { 10, 20, 30 }));

        // With the tail's mass needed (top_p 0.999), tail tokens must appear: each is far below the first
        // thresholds tried, so this takes the widening path.
        var wide = new Sampler(new SamplingOptions { Temperature = 1f, TopP = 0.999f, Seed = 2 }, 32000, []);
        Assert.That(Enumerable.Range(0, 2000).Select(_ => wide.Next(logits)).Count(t => t is not (10 or 20 or 30)), Is.GreaterThan(5));
    }

    [Test]
    public void ArgMax_PicksTheFirstAmongTies()
    {
        var logits = new float[1000];
        logits[700] = 5f;
        logits[300] = 5f;
        Assert.That(Sampler.ArgMax(logits), Is.EqualTo(300));
    }

    [Test]
    public void MinP_DropsUnlikelyTokens()
    {
        var logits = new float[16];
        logits[2] = 3f;
        logits[9] = 3f;
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, MinP = 0.5f, Seed = 9 }, 16, []);
        var seen = Enumerable.Range(0, 300).Select(_ => sampler.Next(logits)).Distinct().Order().ToArray();
        Assert.That(seen, Is.EqualTo(new[] { 2, 9 }));
    }

    [Test]
    public void LogitBias_CanForceAToken()
    {
        var tokens = Run(SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [11] = 100f } }, 10);
        Assert.That(tokens, Is.All.EqualTo(11));
    }

    [Test]
    public void FrequencyPenalty_StopsGreedyRepeating()
    {
        var logits = new float[8];
        logits[4] = 1f;
        logits[6] = 0.9f;
        var sampler = new Sampler(SamplingOptions.Greedy with { FrequencyPenalty = 0.5f }, 8, []);
        Assert.That(new[] { sampler.Next(logits), sampler.Next(logits) }, Is.EqualTo(new[] { 4, 6 }));
    }

    [Test]
    public void RepetitionPenalty_AppliesToPromptTokens()
    {
        var logits = new float[8];
        logits[2] = 2f; // in the prompt: 2 / 1.5 = 1.33 < 1.5
        logits[5] = 1.5f;
        var sampler = new Sampler(SamplingOptions.Greedy with { RepetitionPenalty = 1.5f }, 8, [2]);
        Assert.That(sampler.Next(logits), Is.EqualTo(5));
    }

    [Test]
    public void TopKThenTopP_KeepsTheNucleusOfWhatTopKKept_AsTransformersAndVllmDo()
    {
        // Probabilities 0.40, 0.35, 0.25: top-k 2 keeps the first two, renormalised to 0.53 and 0.47, so top-p 0.5
        // keeps only the first. Over the whole vocabulary (0.40 < 0.5) the second would be drawn too.
        var logits = Enumerable.Repeat(-1e9f, 16).ToArray();
        logits[3] = MathF.Log(0.40f);
        logits[7] = MathF.Log(0.35f);
        logits[9] = MathF.Log(0.25f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 2, TopP = 0.5f, Seed = 5 }, 16, []);
        Assert.That(Enumerable.Range(0, 200).Select(_ => sampler.Next(logits)).Distinct(), Is.EqualTo(new[] { 3 }));

        var topKOnly = new Sampler(new SamplingOptions { Temperature = 1f, TopK = 2, Seed = 5 }, 16, []);
        Assert.That(Enumerable.Range(0, 200).Select(_ => topKOnly.Next(logits)).Distinct().Order(), Is.EqualTo(new[] { 3, 7 }));
    }

    [Test]
    public void TopKSelect_RanksByFallingLogit_TiesToTheLowerId()
    {
        float[] logits = [1f, 3f, 2f, 3f, float.NegativeInfinity, 2f, 3f, -0f, 0f, 2f];
        var top = new TokenCandidate[5];
        TopK.Select(logits, top);
        Assert.That(top.Select(c => c.Id), Is.EqualTo(new[] { 1, 3, 6, 2, 5 }));
        Assert.That(top.Select(c => c.Logit), Is.EqualTo(new[] { 3f, 3f, 3f, 2f, 2f }));

        var random = Logits(32000, 21);
        var all = new TokenCandidate[50];
        TopK.Select(random, all);
        var expected = random.Select((value, id) => new TokenCandidate(id, value)).OrderByDescending(c => c.Logit).ThenBy(c => c.Id).Take(50);
        Assert.That(all, Is.EqualTo(expected));
    }

    [Test]
    public void FromAStepsLogits_ASamplerAsksOnlyForWhatItNeeds()
    {
        var row = Logits(64, 3);
        var greedy = new CountingLogits(row);
        Assert.That(new Sampler(SamplingOptions.Greedy, 64, []).Next(greedy, 0), Is.EqualTo(Sampler.ArgMax(row)));
        Assert.That((greedy.ArgMaxCalls, greedy.TopKCalls, greedy.RowCalls), Is.EqualTo((1, 0, 0)), "greedy: the argmax");

        var topK = new CountingLogits(row);
        var options = new SamplingOptions { Temperature = 0.8f, TopK = 8, Seed = 2 };
        Assert.That(new Sampler(options, 64, []).Next(topK, 0), Is.EqualTo(new Sampler(options, 64, []).Next(row)));
        Assert.That((topK.ArgMaxCalls, topK.TopKCalls, topK.RowCalls), Is.EqualTo((0, 1, 0)), "top-k: the top-k");

        var penalised = new CountingLogits(row);
        _ = new Sampler(options with { PresencePenalty = 0.5f }, 64, []).Next(penalised, 0);
        Assert.That((penalised.ArgMaxCalls, penalised.TopKCalls, penalised.RowCalls), Is.EqualTo((0, 0, 1)), "penalties: the row");

        var wholeVocabulary = new CountingLogits(row);
        _ = new Sampler(new SamplingOptions { Temperature = 0.8f, TopP = 0.9f, Seed = 2 }, 64, []).Next(wholeVocabulary, 0);
        Assert.That((wholeVocabulary.ArgMaxCalls, wholeVocabulary.TopKCalls, wholeVocabulary.RowCalls), Is.EqualTo((0, 0, 1)), "no top-k: the row");
    }

    /// <summary>One row of logits that counts what a sampler asks of it.</summary>
    private sealed class CountingLogits(float[] row) : Inference.Engine.Decoding.IStepLogits
    {
        public int ArgMaxCalls { get; private set; }

        public int TopKCalls { get; private set; }

        public int RowCalls { get; private set; }

        public int ArgMax(int r)
        {
            ArgMaxCalls++;
            return Sampler.ArgMax(row);
        }

        public ReadOnlySpan<float> Row(int r)
        {
            RowCalls++;
            return row;
        }

        public void TopK(int r, Span<TokenCandidate> top)
        {
            TopKCalls++;
            Inference.Engine.Sampling.TopK.Select(row, top);
        }
    }
}
