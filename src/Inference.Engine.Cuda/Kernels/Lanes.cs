using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// Reductions across the lanes that share a row. On CUDA a row gets a whole warp (32 lanes, shuffle reductions);
/// on ILGPU's CPU accelerator, where every shuffle is a thread rendezvous, a row gets one lane and these loops
/// run zero times: the same kernel bodies, a different launch width.
/// </summary>
internal static class Lanes
{
    public static float Sum(float value, int lanes)
    {
        for (int offset = lanes / 2; offset > 0; offset >>= 1)
        {
            value += Warp.ShuffleXor(value, offset);
        }

        return value;
    }

    public static float Max(float value, int lanes)
    {
        for (int offset = lanes / 2; offset > 0; offset >>= 1)
        {
            float other = Warp.ShuffleXor(value, offset);
            value = other > value ? other : value;
        }

        return value;
    }

    /// <summary>Lanes [stride, lanes) folded onto lanes [0, stride) in steps of <paramref name="stride"/>.</summary>
    public static float SumAbove(float value, int stride, int lanes)
    {
        for (int offset = stride; offset < lanes; offset <<= 1)
        {
            value += Warp.ShuffleXor(value, offset);
        }

        return value;
    }

    /// <summary>Orders the lanes' writes to memory before other lanes read them (nothing to order with one lane).</summary>
    public static void Sync(int lanes)
    {
        if (lanes > 1)
        {
            Warp.Barrier();
        }
    }
}
