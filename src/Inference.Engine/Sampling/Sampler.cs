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
        int token;
        if (!NeedsLogits)
        {
            // Nothing to change in the logits: choose from them as they are, without the copy.
            token = ArgMax(logits);
        }
        else
        {
            var scores = _scores.AsSpan(0, logits.Length);
            logits.CopyTo(scores);
            ApplyBiasAndPenalties(scores);
            token = IsGreedy ? ArgMax(scores) : Sample(scores);
        }

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

    /// <summary>The first index of the largest value, as torch.argmax picks among ties (vectorised).</summary>
    internal static int ArgMax(ReadOnlySpan<float> scores) => TensorPrimitives.IndexOfMax(scores);

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

    /// <summary>
    /// Fills the start of <see cref="_order"/> with token ids by falling probability and returns how many there are:
    /// the top-k when k is set, else enough of the most likely tokens to cover top-p. Only those candidates are
    /// sorted, not the whole vocabulary: sorting 32k entries per step cost 2 ms, choosing 50 of them costs tens of µs.
    /// </summary>
    private int OrderByProbability(ReadOnlySpan<float> probabilities)
    {
        int vocabulary = probabilities.Length;
        int candidates = _options.TopK > 0 && _options.TopK < vocabulary
            ? SelectTopK(probabilities, _options.TopK)
            : SelectNucleus(probabilities, _options.TopP);
        for (int i = 0; i < candidates; i++)
        {
            _sortKeys[i] = -probabilities[_order[i]];
        }

        Array.Sort(_sortKeys, _order, 0, candidates);
        return candidates;
    }

    /// <summary>The k most likely token ids into <see cref="_order"/> (unordered), kept as a min-heap while scanning.</summary>
    private int SelectTopK(ReadOnlySpan<float> probabilities, int k)
    {
        var heap = _order.AsSpan(0, k);
        for (int i = 0; i < k; i++)
        {
            heap[i] = i;
        }

        for (int i = (k / 2) - 1; i >= 0; i--)
        {
            SiftDown(heap, probabilities, i);
        }

        for (int i = k; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[heap[0]])
            {
                heap[0] = i;
                SiftDown(heap, probabilities, 0);
            }
        }

        return k;
    }

    private static void SiftDown(Span<int> heap, ReadOnlySpan<float> probabilities, int index)
    {
        while (true)
        {
            int smallest = index, left = (2 * index) + 1, right = left + 1;
            if (left < heap.Length && Less(probabilities, heap[left], heap[smallest]))
            {
                smallest = left;
            }

            if (right < heap.Length && Less(probabilities, heap[right], heap[smallest]))
            {
                smallest = right;
            }

            if (smallest == index)
            {
                return;
            }

            (heap[index], heap[smallest]) = (heap[smallest], heap[index]);
            index = smallest;
        }
    }

    /// <summary>Heap order: lower probability first; among equals the later id, so earlier ids survive as argmax's do.</summary>
    private static bool Less(ReadOnlySpan<float> probabilities, int a, int b) =>
        probabilities[a] < probabilities[b] || (probabilities[a] == probabilities[b] && a > b);

    /// <summary>
    /// Token ids whose probability is at least a threshold, lowered until together they cover <paramref name="topP"/>:
    /// the nucleus is the most likely tokens until the running sum reaches top-p, so it lies within any such set.
    /// Without top-p (1), every id.
    /// </summary>
    private int SelectNucleus(ReadOnlySpan<float> probabilities, float topP)
    {
        float threshold = topP < 1f ? TensorPrimitives.Max(probabilities) * 1e-3f : 0f;
        while (true)
        {
            int count = 0;
            float covered = 0f;
            for (int i = 0; i < probabilities.Length; i++)
            {
                if (probabilities[i] >= threshold)
                {
                    _order[count++] = i;
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
