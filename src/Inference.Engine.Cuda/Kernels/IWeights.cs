namespace Inference.Engine.Cuda.Kernels;

/// <summary>How a kernel reads a weight matrix: as pairs of adjacent values widened to float. Kernels are generic
/// over it, so float32 and float16 storage share every kernel body.</summary>
internal interface IWeights
{
    /// <summary>The <paramref name="index"/>-th pair of the row-major matrix.</summary>
    Pair Load(long index);
}
