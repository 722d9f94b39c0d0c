using ILGPU;
using ILGPU.Algorithms;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// Grouped-query attention of each token over its own sequence's cache (positions 0..its position: causal, and
/// sequences of any mix of lengths need no padding). One lane group per (token, head). Lanes are arranged as
/// <see cref="AttentionArgs.DimensionLanes"/> × the rest: each lane covers 8 dimensions of a run of positions, so
/// loads are independent and coalesced; scores go through a scratch row and an exact softmax.
/// </summary>
internal static class AttentionKernel
{
    private const int Unroll = 8;

    public static void Run(AttentionArgs a, int lanes)
    {
        int lane = Group.IdxX;
        int token = Grid.IdxX / a.Heads;
        int head = Grid.IdxX % a.Heads;
        int size = a.Cache.HeadSize;
        int length = a.Positions[token] + 1;
        int kvHead = head / (a.Heads / a.Cache.KeyValueHeads);
        long cache = a.Cache.Offset(a.Slots[token], a.Layer, kvHead, 0);
        long query = (((long)token * a.Heads) + head) * size;
        long scores = (((long)token * a.Heads) + head) * a.Cache.Context;
        int dimensionLanes = a.DimensionLanes;
        int positionLanes = lanes / dimensionLanes;
        int d0 = (lane % dimensionLanes) * Unroll;
        int dStep = dimensionLanes * Unroll;
        int group = lane / dimensionLanes;

        float max = float.NegativeInfinity;
        for (int start = 0; start < length; start += positionLanes)
        {
            int t = start + group;
            float partial = 0f;
            if (t < length)
            {
                long k = cache + ((long)t * size);
                for (int d = d0; d < size; d += dStep)
                {
                    for (int j = 0; j < Unroll; j++)
                    {
                        partial += a.Query[query + d + j] * a.Cache.Keys[k + d + j];
                    }
                }
            }

            partial = Lanes.Sum(partial, dimensionLanes);
            if (t < length)
            {
                float score = partial * a.Scale;
                if (d0 == 0)
                {
                    a.Scores[scores + t] = score;
                }

                max = score > max ? score : max;
            }
        }

        max = Lanes.Max(max, lanes);
        Lanes.Sync(lanes);
        float sum = 0f;
        for (int t = lane; t < length; t += lanes)
        {
            float e = XMath.Exp(a.Scores[scores + t] - max);
            a.Scores[scores + t] = e;
            sum += e;
        }

        sum = Lanes.Sum(sum, lanes);
        Lanes.Sync(lanes);
        float inverse = 1f / sum;
        for (int d = d0; d < size; d += dStep)
        {
            float o0 = 0f, o1 = 0f, o2 = 0f, o3 = 0f, o4 = 0f, o5 = 0f, o6 = 0f, o7 = 0f;
            for (int t = group; t < length; t += positionLanes)
            {
                float p = a.Scores[scores + t];
                long v = cache + ((long)t * size) + d;
                o0 += p * a.Cache.Values[v];
                o1 += p * a.Cache.Values[v + 1];
                o2 += p * a.Cache.Values[v + 2];
                o3 += p * a.Cache.Values[v + 3];
                o4 += p * a.Cache.Values[v + 4];
                o5 += p * a.Cache.Values[v + 5];
                o6 += p * a.Cache.Values[v + 6];
                o7 += p * a.Cache.Values[v + 7];
            }

            o0 = Lanes.SumAbove(o0, dimensionLanes, lanes);
            o1 = Lanes.SumAbove(o1, dimensionLanes, lanes);
            o2 = Lanes.SumAbove(o2, dimensionLanes, lanes);
            o3 = Lanes.SumAbove(o3, dimensionLanes, lanes);
            o4 = Lanes.SumAbove(o4, dimensionLanes, lanes);
            o5 = Lanes.SumAbove(o5, dimensionLanes, lanes);
            o6 = Lanes.SumAbove(o6, dimensionLanes, lanes);
            o7 = Lanes.SumAbove(o7, dimensionLanes, lanes);
            if (group == 0)
            {
                long o = query + d;
                a.Output[o] = o0 * inverse;
                a.Output[o + 1] = o1 * inverse;
                a.Output[o + 2] = o2 * inverse;
                a.Output[o + 3] = o3 * inverse;
                a.Output[o + 4] = o4 * inverse;
                a.Output[o + 5] = o5 * inverse;
                a.Output[o + 6] = o6 * inverse;
                a.Output[o + 7] = o7 * inverse;
            }
        }
    }

    /// <summary>The largest power of two up to <paramref name="lanes"/> that divides head/8, so every lane walks
    /// the same number of 8-wide chunks (the shuffles need all lanes).</summary>
    public static int DimensionLanesFor(int headSize, int lanes)
    {
        int chunks = headSize / Unroll;
        int result = 1;
        while (result * 2 <= lanes && chunks % (result * 2) == 0)
        {
            result *= 2;
        }

        return result;
    }
}
