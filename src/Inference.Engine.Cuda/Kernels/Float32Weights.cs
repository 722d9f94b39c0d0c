using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>Weights stored as float32.</summary>
internal struct Float32Weights : IWeights
{
    public ArrayView<Pair> Data;

    public readonly Pair Load(long index) => Data[index];
}
