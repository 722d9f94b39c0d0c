using ILGPU;
using ILGPU.Algorithms;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// Dot products of one weight row with up to four activation rows, plus each activation row's sum of squares
/// (for the fused RMSNorm). Four rows per pass: the weight value loaded once serves four tokens, so batched
/// decode reads each weight row from memory once per four sequences and from cache otherwise.
/// </summary>
internal struct Accumulators
{
    public const int RowsPerPass = 4;

    public float A0;
    public float A1;
    public float A2;
    public float A3;
    public float S0;
    public float S1;
    public float S2;
    public float S3;

    /// <summary>This lane's share of the dots of weight row <paramref name="weightRow"/> with rows
    /// <paramref name="first"/>.. of <paramref name="input"/>.</summary>
    public static Accumulators Dot<TWeights>(RowInput input, TWeights weights, long weightRow, int first, int lane, int lanes)
        where TWeights : struct, IWeights
    {
        int count = input.Rows - first;
        long r0 = input.Offset(first);
        long r1 = count > 1 ? input.Offset(first + 1) : r0;
        long r2 = count > 2 ? input.Offset(first + 2) : r0;
        long r3 = count > 3 ? input.Offset(first + 3) : r0;
        long w = weightRow * input.Pairs;
        bool norm = input.Norm.Length > 0;
        Accumulators acc = default;
        for (int u = lane; u < input.Pairs; u += lanes)
        {
            Pair v = weights.Load(w + u);
            if (norm)
            {
                Pair g = input.Norm[u];
                v.X *= g.X;
                v.Y *= g.Y;
            }

            Pair x = input.Values[r0 + u];
            acc.A0 += (v.X * x.X) + (v.Y * x.Y);
            acc.S0 += (x.X * x.X) + (x.Y * x.Y);
            if (count > 1)
            {
                x = input.Values[r1 + u];
                acc.A1 += (v.X * x.X) + (v.Y * x.Y);
                acc.S1 += (x.X * x.X) + (x.Y * x.Y);
            }

            if (count > 2)
            {
                x = input.Values[r2 + u];
                acc.A2 += (v.X * x.X) + (v.Y * x.Y);
                acc.S2 += (x.X * x.X) + (x.Y * x.Y);
            }

            if (count > 3)
            {
                x = input.Values[r3 + u];
                acc.A3 += (v.X * x.X) + (v.Y * x.Y);
                acc.S3 += (x.X * x.X) + (x.Y * x.Y);
            }
        }

        return acc;
    }

    /// <summary>Sums every field across the lanes of a row (a no-op for one lane).</summary>
    public void Reduce(int lanes)
    {
        A0 = Lanes.Sum(A0, lanes);
        A1 = Lanes.Sum(A1, lanes);
        A2 = Lanes.Sum(A2, lanes);
        A3 = Lanes.Sum(A3, lanes);
        S0 = Lanes.Sum(S0, lanes);
        S1 = Lanes.Sum(S1, lanes);
        S2 = Lanes.Sum(S2, lanes);
        S3 = Lanes.Sum(S3, lanes);
    }

    /// <summary>Row <paramref name="i"/>'s dot, scaled by its RMSNorm factor when the input is normalised.</summary>
    public readonly float Result(int i, RowInput input)
    {
        float dot = i == 0 ? A0 : i == 1 ? A1 : i == 2 ? A2 : A3;
        if (input.Norm.Length == 0)
        {
            return dot;
        }

        float squares = i == 0 ? S0 : i == 1 ? S1 : i == 2 ? S2 : S3;
        return dot * XMath.Rsqrt((squares / (2 * input.Pairs)) + input.Epsilon);
    }
}
