using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>Weights stored as IEEE float16, two per 32-bit word (low half first), widened in registers.</summary>
internal struct Float16Weights : IWeights
{
    public ArrayView<uint> Data;

    public readonly Pair Load(long index)
    {
        uint bits = Data[index];
        Pair pair;
        pair.X = Interop.IntAsFloat((ushort)(bits & 0xFFFF));
        pair.Y = Interop.IntAsFloat((ushort)(bits >> 16));
        return pair;
    }
}
