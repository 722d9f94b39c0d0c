using System.Numerics.Tensors;
using System.Security.Cryptography;

namespace Inference.Engine.Sampling;

/// <summary>
/// Chooses the next token of one sequence from the model's logits: logit bias, repetition / presence / frequency
/// penalties, then greedy choice or temperature sampling with top-k, top-p and min-p. Buffers are allocated once
/// per sequence, so a step allocates nothing unless log-probabilities are asked for.
/// </summary>
internal sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly float[] _scores;
    private readonly int[] _order;
    private readonly float[] _sortKeys;
    private readonly HashSet<int> _seenTokens;
    private readonly Dictionary<int, int> _generatedCounts = [];
    private SplitMix64 _random;

    public Sampler(SamplingOptions options, int vocabularySize, IReadOnlyList<int> promptTokens)
    {
        _options = options;
        _scores = new float[vocabularySize];
        _order = new int[vocabularySize];
        _sortKeys = new float[vocabularySize];
        _seenTokens = options.RepetitionPenalty != 1f ? [.. promptTokens] : [];
        _random = new SplitMix64(options.Seed ?? BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8)));
        NeedsLogits = !IsGreedy || options.LogitBias is { Count: > 0 } || options.RepetitionPenalty != 1f
            || options.PresencePenalty != 0f || options.FrequencyPenalty != 0f;
    }

    /// <summary>Takes the argmax of the raw logits as the next token (only when <see cref="NeedsLogits"/> is
    /// false) and records it as <see cref="Next"/> would.</summary>
    public int Take(int argMax)
    {
        Record(argMax);
        return argMax;
    }

    private bool IsGreedy => _options.Temperature <= 0f || _options.TopK == 1;

    /// <summary>False when the choice is the argmax of the raw logits (greedy, no bias, no penalties), which a
    /// device can compute without copying the logits out; see <see cref="Take"/>.</summary>
    public bool NeedsLogits { get; }

    /// <summary>Picks the next token and records it for the penalties.</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        var scores = _scores.AsSpan(0, logits.Length);
        logits.CopyTo(scores);
        ApplyBiasAndPenalties(scores);
        int token = IsGreedy ? ArgMax(scores) : Sample(scores);
        Record(token);
        return token;
    }

    private void Record(int token)
    {
        _generatedCounts[token] = _generatedCounts.GetValueOrDefault(token) + 1;
        if (_options.RepetitionPenalty != 1f)
        {
            _seenTokens.Add(token);
        }
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

    /// <summary>The first index of the largest value, as torch.argmax picks among ties.</summary>
    internal static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        float bestScore = float.NegativeInfinity;
        for (int i = 0; i < scores.Length; i++)
        {
            if (scores[i] > bestScore)
            {
                bestScore = scores[i];
                best = i;
            }
        }

        return best;
    }

    private int Sample(Span<float> scores)
    {
        TensorPrimitives.Multiply(scores, 1f / _options.Temperature, scores);

        // Softmax in place: scores become probabilities.
        float max = TensorPrimitives.Max(scores);
        TensorPrimitives.Subtract(scores, max, scores);
        TensorPrimitives.Exp(scores, scores);
        TensorPrimitives.Multiply(scores, 1f / TensorPrimitives.Sum(scores), scores);

        if (_options.TopK <= 0 && _options.TopP >= 1f)
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

        int count = OrderByProbability(scores);
        if (_options.TopP < 1f)
        {
            float cumulative = 0f;
            for (int i = 0; i < count; i++)
            {
                cumulative += scores[_order[i]];
                if (cumulative >= _options.TopP)
                {
                    count = i + 1;
                    break;
                }
            }
        }

        if (_options.MinP > 0f)
        {
            float threshold = _options.MinP * scores[_order[0]];
            int kept = 1;
            while (kept < count && scores[_order[kept]] >= threshold)
            {
                kept++;
            }

            count = kept;
        }

        float total = 0f;
        for (int i = 0; i < count; i++)
        {
            total += scores[_order[i]];
        }

        double target = _random.NextDouble() * total;
        double running = 0;
        for (int i = 0; i < count; i++)
        {
            running += scores[_order[i]];
            if (target < running)
            {
                return _order[i];
            }
        }

        return _order[count - 1];
    }

    /// <summary>Fills <see cref="_order"/> with token ids by falling probability; returns how many top-k keeps.</summary>
    private int OrderByProbability(ReadOnlySpan<float> probabilities)
    {
        int vocabulary = probabilities.Length;
        for (int i = 0; i < vocabulary; i++)
        {
            _order[i] = i;
            _sortKeys[i] = -probabilities[i];
        }

        Array.Sort(_sortKeys, _order, 0, vocabulary);
        return _options.TopK > 0 ? Math.Min(_options.TopK, vocabulary) : vocabulary;
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
