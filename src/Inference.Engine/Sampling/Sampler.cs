using System.Numerics.Tensors;
using System.Security.Cryptography;
using Inference.Engine.Decoding;

namespace Inference.Engine.Sampling;

/// <summary>
/// Chooses the next token of one sequence from the model's logits: logit bias, repetition / presence / frequency
/// penalties, then greedy choice or temperature sampling with top-k, top-p and min-p, applied in that order as
/// Hugging Face transformers and vLLM apply them (top-p and min-p over what top-k kept). Buffers are allocated once
/// per sequence (the vocabulary-sized ones only for samplers that read whole rows), so a step allocates nothing
/// unless log-probabilities are asked for.
/// </summary>
internal sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly int _vocabularySize;
    private readonly Source _source;
    private readonly TokenCandidate[] _candidates;
    private readonly float[] _weights;
    private readonly HashSet<int> _seenTokens;
    private readonly Dictionary<int, int> _generatedCounts = [];
    private float[]? _scores;
    private int[]? _order;
    private float[]? _sortKeys;
    private SplitMix64 _random;

    public Sampler(SamplingOptions options, int vocabularySize, IReadOnlyList<int> promptTokens)
    {
        _options = options;
        _vocabularySize = vocabularySize;
        _seenTokens = options.RepetitionPenalty != 1f ? [.. promptTokens] : [];
        _random = new SplitMix64(options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));
        bool changesLogits = options.LogitBias is { Count: > 0 } || options.RepetitionPenalty != 1f
            || options.PresencePenalty != 0f || options.FrequencyPenalty != 0f;
        int topK = !IsGreedy && options.TopK > 0 && options.TopK < vocabularySize ? options.TopK : 0;
        _candidates = new TokenCandidate[topK];
        _weights = new float[topK];
        _source = changesLogits ? Source.Row : IsGreedy ? Source.ArgMax : topK > 0 ? Source.TopK : Source.Row;
    }

    /// <summary>What of a step's logits the sampler needs, when it is not asked to read a whole row anyway.</summary>
    private enum Source
    {
        /// <summary>Greedy on unmodified logits: the row's argmax.</summary>
        ArgMax,

        /// <summary>Top-k sampling on unmodified logits: the row's k best candidates.</summary>
        TopK,

        /// <summary>Bias, penalties, or sampling over the whole vocabulary: the row.</summary>
        Row,
    }

    private bool IsGreedy => _options.Temperature <= 0f || _options.TopK == 1;

    /// <summary>Picks the next token from a step's logits, asking the backend for only what the choice needs: the
    /// argmax or the top-k when nothing changes the logits (a device backend computes those without copying the
    /// row out), the row otherwise.</summary>
    public int Next(IStepLogits logits, int row)
    {
        switch (_source)
        {
            case Source.ArgMax:
                return Record(logits.ArgMax(row));
            case Source.TopK:
                logits.TopK(row, _candidates);
                return Record(DrawFromCandidates());
            default:
                return Next(logits.Row(row));
        }
    }

    /// <summary>Picks the next token from a whole row of logits and records it for the penalties.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        if (_source == Source.ArgMax)
        {
            // Nothing to change in the logits: choose from them as they are, without the copy.
            return Record(ArgMax(logits));
        }

        var scores = (_scores ??= new float[_vocabularySize]).AsSpan(0, logits.Length);
        logits.CopyTo(scores);
        ApplyBiasAndPenalties(scores);
        if (IsGreedy)
        {
            return Record(ArgMax(scores));
        }

        if (_candidates.Length > 0)
        {
            TopK.Select(scores, _candidates);
            return Record(DrawFromCandidates());
        }

        return Record(Sample(scores));
    }

    private int Record(int token)
    {
        _generatedCounts[token] = _generatedCounts.GetValueOrDefault(token) + 1;
        if (_options.RepetitionPenalty != 1f)
        {
            _seenTokens.Add(token);
        }

        return token;
    }

    private void ApplyBiasAndPenalties(Span<float> scores)
    {
        if (_options.LogitBias is { Count: > 0 } bias)
        {
            foreach (var (token, value) in bias)
            {
                if ((uint)token < (uint)scores.Length)
                {
                    scores[token] += value;
                }
            }
        }

        float repetition = _options.RepetitionPenalty;
        if (repetition != 1f)
        {
            // transformers' RepetitionPenaltyLogitsProcessor: over prompt and generated tokens alike.
            foreach (int token in _seenTokens)
            {
                float score = scores[token];
                scores[token] = score < 0 ? score * repetition : score / repetition;
            }
        }

        float presence = _options.PresencePenalty;
        float frequency = _options.FrequencyPenalty;
        if (presence != 0f || frequency != 0f)
        {
            // OpenAI's definition: over generated tokens only.
            foreach (var (token, count) in _generatedCounts)
            {
                scores[token] -= presence + (frequency * count);
            }
        }
    }

    /// <summary>The first index of the largest value, as torch.argmax picks among ties (vectorised).</summary>
    internal static int ArgMax(ReadOnlySpan<float> scores) => TensorPrimitives.IndexOfMax(scores);

    /// <summary>
    /// Draws from <see cref="_candidates"/> (the top-k, best first): softmax at the temperature over them, then top-p
    /// and min-p over that distribution. The same arithmetic whether the candidates came from a device or from
    /// <see cref="TopK.Select"/>, so a seed gives the same tokens on either.
    /// </summary>
    private int DrawFromCandidates()
    {
        var weights = _weights.AsSpan();
        float best = _candidates[0].Logit;
        float inverseTemperature = 1f / _options.Temperature;
        float total = 0f;
        for (int i = 0; i < weights.Length; i++)
        {
            weights[i] = MathF.Exp((_candidates[i].Logit - best) * inverseTemperature);
            total += weights[i];
        }

        int count = Truncate(weights, total);
        return _candidates[Draw(weights[..count])].Id;
    }

    /// <summary>Temperature sampling over the whole vocabulary, with top-p and min-p when set.</summary>
    private int Sample(Span<float> scores)
    {
        TensorPrimitives.Multiply(scores, 1f / _options.Temperature, scores);

        // Softmax in place: scores become probabilities.
        float max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Multiply(scores, 1f / TensorPrimitives.Sum(scores), scores);

        if (_options.TopP >= 1f)
        {
            // No ordering needed: min-p only zeroes what falls under a fraction of the best probability.
            if (_options.MinP > 0f)
            {
                float threshold = _options.MinP * TensorPrimitives.Max(scores);
                for (int i = 0; i < scores.Length; i++)
                {
                    if (scores[i] < threshold)
                    {
                        scores[i] = 0f;
                    }
                }
            }

            return Draw(scores);
        }

        // Top-p: only the nucleus is ordered, not the whole vocabulary.
        var order = _order ??= new int[_vocabularySize];
        var keys = _sortKeys ??= new float[_vocabularySize];
        int candidates = SelectNucleus(scores, _options.TopP);
        for (int i = 0; i < candidates; i++)
        {
            keys[i] = -scores[order[i]];
        }

        Array.Sort(keys, order, 0, candidates);
        for (int i = 0; i < candidates; i++)
        {
            keys[i] = scores[order[i]];
        }

        int count = Truncate(keys.AsSpan(0, candidates), 1f);
        return order[Draw(keys.AsSpan(0, count))];
    }

    /// <summary>How many of <paramref name="weights"/> (falling, summing to <paramref name="total"/>) top-p and then
    /// min-p keep: the shortest prefix covering top-p of the total, then those at least min-p times the best.</summary>
    private int Truncate(ReadOnlySpan<float> weights, float total)
    {
        int count = weights.Length;
        if (_options.TopP < 1f)
        {
            float target = _options.TopP * total;
            float cumulative = 0f;
            for (int i = 0; i < count; i++)
            {
                cumulative += weights[i];
                if (cumulative >= target)
                {
                    count = i + 1;
                    break;
                }
            }
        }

        if (_options.MinP > 0f)
        {
            float threshold = _options.MinP * weights[0];
            int kept = 1;
            while (kept < count && weights[kept] >= threshold)
            {
                kept++;
            }

            count = kept;
        }

        return count;
    }

    /// <summary>
    /// Token ids whose probability is at least a threshold, lowered until together they cover <paramref name="topP"/>:
    /// the nucleus is the most likely tokens until the running sum reaches top-p, so it lies within any such set.
    /// </summary>
    private int SelectNucleus(ReadOnlySpan<float> probabilities, float topP)
    {
        var order = _order!;
        float threshold = TensorPrimitives.Max(probabilities) * 1e-3f;
        while (true)
        {
            int count = 0;
            float covered = 0f;
            for (int i = 0; i < probabilities.Length; i++)
            {
                if (probabilities[i] >= threshold)
                {
                    order[count++] = i;
                    covered += probabilities[i];
                }
            }

            if (covered >= topP || threshold == 0f)
            {
                return count;
            }

            threshold = threshold < 1e-30f ? 0f : threshold * 1e-3f;
        }
    }

    /// <summary>Draws from probabilities that need not sum to 1 (min-p zeroed some).</summary>
    private int Draw(ReadOnlySpan<float> probabilities)
    {
        double target = _random.NextDouble() * TensorPrimitives.Sum(probabilities);
        double running = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            running += probabilities[i];
            if (target < running)
            {
                return i;
            }
        }

        return ArgMax(probabilities);
    }
}
