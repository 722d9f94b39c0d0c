using ILGPU;
using ILGPU.Algorithms;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// Matrix products of activation rows with weight matrices [out, in]: one lane group per output row (a warp on
/// CUDA, loading coalesced pairs along the row and reducing with shuffles), four activation rows per pass.
/// With one activation row this is a GEMV at memory speed; with a batch it is a GEMM that reads each weight row
/// from memory once per four rows. Groups hold <c>Group.DimX / lanes</c> output rows.
/// </summary>
internal static class ProjectionKernels
{
    /// <summary>output[n, m] (+)= bias[m] + input[n] · weights[m] for m in [0, outputs).</summary>
    public static void Project<TWeights>(
        RowInput input, TWeights weights, ArrayView<float> bias, ArrayView<float> output, int outputs, int accumulate, int lanes)
        where TWeights : struct, IWeights
    {
        int lane = Group.IdxX & (lanes - 1);
        int m = (Grid.IdxX * (Group.DimX / lanes)) + (Group.IdxX / lanes);
        if (m >= outputs)
        {
            return;
        }

        float b = bias.Length > 0 ? bias[m] : 0f;
        for (int first = 0; first < input.Rows; first += Accumulators.RowsPerPass)
        {
            var acc = Accumulators.Dot(input, weights, m, first, lane, lanes);
            acc.Reduce(lanes);
            if (lane == 0)
            {
                for (int i = 0; i < Accumulators.RowsPerPass && first + i < input.Rows; i++)
                {
                    long at = ((long)(first + i) * outputs) + m;
                    float value = acc.Result(i, input) + b;
                    output[at] = accumulate != 0 ? output[at] + value : value;
                }
            }
        }
    }

    /// <summary>The gated MLP's first half: output[n, m] = silu(input[n] · gate[m]) * (input[n] · up[m]).</summary>
    public static void GatedProject<TWeights>(
        RowInput input, TWeights gate, TWeights up, ArrayView<float> output, int outputs, int lanes)
        where TWeights : struct, IWeights
    {
        int lane = Group.IdxX & (lanes - 1);
        int m = (Grid.IdxX * (Group.DimX / lanes)) + (Group.IdxX / lanes);
        if (m >= outputs)
        {
            return;
        }

        for (int first = 0; first < input.Rows; first += Accumulators.RowsPerPass)
        {
            var g = Accumulators.Dot(input, gate, m, first, lane, lanes);
            var u = Accumulators.Dot(input, up, m, first, lane, lanes);
            g.Reduce(lanes);
            u.Reduce(lanes);
            if (lane == 0)
            {
                for (int i = 0; i < Accumulators.RowsPerPass && first + i < input.Rows; i++)
                {
                    float x = g.Result(i, input);
                    output[((long)(first + i) * outputs) + m] = x / (1f + XMath.Exp(-x)) * u.Result(i, input);
                }
            }
        }
    }

    /// <summary>
    /// The fused q/k/v projection with bias, rotary embedding and cache write. A lane group owns the two rows a
    /// rotation mixes (i and i + head/2 of one head), so rotating needs no second pass: queries go to
    /// <see cref="QkvTarget.Query"/>, keys (rotated) and values into each token's slot at its position.
    /// </summary>
    public static void ProjectQkv<TWeights>(RowInput input, TWeights weights, ArrayView<float> bias, QkvTarget target, int lanes)
        where TWeights : struct, IWeights
    {
        int lane = Group.IdxX & (lanes - 1);
        int p = (Grid.IdxX * (Group.DimX / lanes)) + (Group.IdxX / lanes);
        int half = target.HeadSize / 2;
        int heads = target.Heads + (2 * target.KeyValueHeads);
        if (p >= heads * half)
        {
            return;
        }

        int head = p / half;
        int i = p % half;
        int row1 = (head * target.HeadSize) + i;
        int row2 = row1 + half;
        float b1 = bias.Length > 0 ? bias[row1] : 0f;
        float b2 = bias.Length > 0 ? bias[row2] : 0f;
        for (int first = 0; first < input.Rows; first += Accumulators.RowsPerPass)
        {
            var a1 = Accumulators.Dot(input, weights, row1, first, lane, lanes);
            var a2 = Accumulators.Dot(input, weights, row2, first, lane, lanes);
            a1.Reduce(lanes);
            a2.Reduce(lanes);
            if (lane == 0)
            {
                for (int r = 0; r < Accumulators.RowsPerPass && first + r < input.Rows; r++)
                {
                    target.Store(first + r, head, i, a1.Result(r, input) + b1, a2.Result(r, input) + b2);
                }
            }
        }
    }

    /// <summary>output[n] = table[tokens[n]]: the token embedding, widened to float32.</summary>
    public static void Embed<TWeights>(ArrayView<int> tokens, TWeights table, ArrayView<Pair> output, int rows, int pairs)
        where TWeights : struct, IWeights
    {
        long total = (long)rows * pairs;
        for (long index = Grid.GlobalIndex.X; index < total; index += Grid.DimX * Group.DimX)
        {
            long row = index / pairs;
            long column = index % pairs;
            output[index] = table.Load((tokens[(int)row] * (long)pairs) + column);
        }
    }
}
