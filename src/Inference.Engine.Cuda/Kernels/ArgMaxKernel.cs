using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>The first index of each logits row's largest value (torch.argmax's tie rule): one lane group per
/// row, so a step hands the host one int per sequence instead of a vocabulary of floats.</summary>
internal static class ArgMaxKernel
{
    public static void Run(ArrayView<float> logits, ArrayView<int> result, int vocabulary, int lanes)
    {
        int row = Grid.IdxX;
        int lane = Group.IdxX;
        long start = (long)row * vocabulary;
        float best = float.NegativeInfinity;
        int index = int.MaxValue;
        for (int v = lane; v < vocabulary; v += lanes)
        {
            float value = logits[start + v];
            if (value > best)
            {
                best = value;
                index = v;
            }
        }

        for (int offset = lanes / 2; offset > 0; offset >>= 1)
        {
            float otherBest = Warp.ShuffleXor(best, offset);
            int otherIndex = Warp.ShuffleXor(index, offset);
            if (otherBest > best || (otherBest == best && otherIndex < index))
            {
                best = otherBest;
                index = otherIndex;
            }
        }

        if (lane == 0)
        {
            result[row] = index == int.MaxValue ? 0 : index;
        }
    }
}
