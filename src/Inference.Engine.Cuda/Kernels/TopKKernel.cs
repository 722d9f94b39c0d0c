using ILGPU;
using ILGPU.Algorithms;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// The k best logits of each row (by falling logit, ties to the lower id, as the host's selection ranks them), so
/// that a top-k sampled sequence moves k ids and logits per step instead of its row. One thread group per row: a
/// radix select over the logits' order-preserving 32-bit keys, eight bits per pass with a 256-bin histogram in shared
/// memory, finds the k-th largest key; then every thread writes out the candidates above it, and those equal to it.
/// The order of a row's k outputs is not defined: the host sorts them. The same passes give the row's log-sum-exp
/// (the log-softmax normaliser), so log-probabilities need no row either.
/// </summary>
internal static class TopKKernel
{
    private const int Bins = 256;

    public static void Run(ArrayView<float> logits, ArrayView<int> ids, ArrayView<float> values, ArrayView<float> logSumExps, int vocabulary, int k)
    {
        int thread = Group.IdxX;
        int threads = Group.DimX;
        long row = (long)Grid.IdxX * vocabulary;
        long output = (long)Grid.IdxX * k;
        var histogram = SharedMemory.Allocate<int>(Bins);
        // 0: the key prefix chosen so far, 1: how many candidates equal to it are still to take, 2: how many keys
        // share the final prefix, 3: the output cursor.
        var state = SharedMemory.Allocate<int>(4);
        // The row's largest key (an integer maximum: native on every device, unlike a float one), and the sum of
        // exp(logit - largest).
        var largestKey = SharedMemory.Allocate<uint>(1);
        var sumOfExps = SharedMemory.Allocate<float>(1);
        if (thread == 0)
        {
            largestKey[0] = 0;
            sumOfExps[0] = 0f;
        }

        uint largest = 0;

        uint prefix = 0;
        uint mask = 0;
        int remaining = k;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            for (int bin = thread; bin < Bins; bin += threads)
            {
                histogram[bin] = 0;
            }

            Group.Barrier();
            for (int v = thread; v < vocabulary; v += threads)
            {
                uint key = Key(logits[row + v]);
                largest = key > largest ? key : largest;
                if ((key & mask) == prefix)
                {
                    Atomic.Add(ref histogram[(int)((key >> shift) & 0xFF)], 1);
                }
            }

            Group.Barrier();
            if (thread == 0)
            {
                // The digit of the k-th largest key: walk the bins from the top until they hold what is still wanted.
                int digit = Bins - 1;
                while (histogram[digit] < remaining)
                {
                    remaining -= histogram[digit];
                    digit--;
                }

                state[0] = (int)(prefix | ((uint)digit << shift));
                state[1] = remaining;
                state[2] = histogram[digit];
                state[3] = 0;
            }

            Group.Barrier();
            prefix = (uint)state[0];
            remaining = state[1];
            mask |= 0xFFu << shift;
        }

        Atomic.Max(ref largestKey[0], largest);
        Group.Barrier();
        float largestLogit = FromKey(largestKey[0]);

        // prefix is now the k-th largest key. Everything above it is taken; of the keys equal to it, `remaining`.
        bool takeEveryTie = state[2] == remaining;
        float sum = 0f;
        for (int v = thread; v < vocabulary; v += threads)
        {
            float value = logits[row + v];
            sum += XMath.Exp(value - largestLogit);
            uint key = Key(value);
            if (key > prefix || (takeEveryTie && key == prefix))
            {
                int slot = Atomic.Add(ref state[3], 1);
                ids[output + slot] = v;
                values[output + slot] = value;
            }
        }

        Atomic.Add(ref sumOfExps[0], sum);
        Group.Barrier();
        if (thread == 0)
        {
            logSumExps[Grid.IdxX] = largestLogit + XMath.Log(sumOfExps[0]);
        }

        if (!takeEveryTie && thread == 0)
        {
            // More logits equal the k-th than there is room for (rare with real logits): the lowest ids, in order.
            int slot = state[3];
            for (int v = 0; slot < k; v++)
            {
                float value = logits[row + v];
                if (Key(value) == prefix)
                {
                    ids[output + slot] = v;
                    values[output + slot] = value;
                    slot++;
                }
            }
        }
    }

    /// <summary>An unsigned key that orders as the float does (negative zero as zero).</summary>
    private static uint Key(float value)
    {
        uint bits = value == 0f ? 0u : Interop.FloatAsInt(value);
        return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    }

    /// <summary>The float a <see cref="Key"/> came from.</summary>
    private static float FromKey(uint key) =>
        Interop.IntAsFloat((key & 0x80000000u) != 0 ? key & 0x7FFFFFFFu : ~key);
}
