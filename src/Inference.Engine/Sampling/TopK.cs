using System.Numerics.Tensors;

namespace Inference.Engine.Sampling;

/// <summary>The k best candidates of a logits row, and its log-softmax normaliser, computed on the host. Device
/// backends choose the same set (same order, same tie rule) with a kernel; see <see cref="Decoding.IStepLogits.TopK"/>.</summary>
internal static class TopK
{
    /// <summary>log(sum(exp(logits))), the exponentials taken relative to the largest logit and summed in double.</summary>
    public static float LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = TensorPrimitives.Max(logits);
        double sum = 0;
        foreach (float value in logits)
        {
            sum += Math.Exp(value - max);
        }

        return max + (float)Math.Log(sum);
    }

    /// <summary>
    /// Fills <paramref name="top"/> with the <c>top.Length</c> best candidates of <paramref name="logits"/>, best first.
    /// A min-heap of k entries while scanning the row: sorting 32k logits per step cost 2 ms, this costs tens of µs.
    /// </summary>
    public static void Select(ReadOnlySpan<float> logits, Span<TokenCandidate> top)
    {
        int k = top.Length;
        for (int i = 0; i < k; i++)
        {
            top[i] = new TokenCandidate(i, logits[i]);
        }

        for (int i = (k / 2) - 1; i >= 0; i--)
        {
            SiftDown(top, i);
        }

        for (int i = k; i < logits.Length; i++)
        {
            var candidate = new TokenCandidate(i, logits[i]);
            if (top[0].RanksBelow(candidate))
            {
                top[0] = candidate;
                SiftDown(top, 0);
            }
        }

        top.Sort();
    }

    // The heap's root is its worst candidate.
    private static void SiftDown(Span<TokenCandidate> heap, int index)
    {
        while (true)
        {
            int worst = index, left = (2 * index) + 1, right = left + 1;
            if (left < heap.Length && heap[left].RanksBelow(heap[worst]))
            {
                worst = left;
            }

            if (right < heap.Length && heap[right].RanksBelow(heap[worst]))
            {
                worst = right;
            }

            if (worst == index)
            {
                return;
            }

            (heap[index], heap[worst]) = (heap[worst], heap[index]);
            index = worst;
        }
    }
}
