using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// The activation rows a projection reads: <see cref="Rows"/> rows of <see cref="Pairs"/> pairs, optionally
/// picked through <see cref="RowMap"/> (the output head reads only each sequence's last token) and optionally
/// RMS-normalised on the fly with <see cref="Norm"/>'s weights (the norm is fused into the projection that
/// follows it rather than run as its own kernel).
/// </summary>
internal struct RowInput
{
    public ArrayView<Pair> Values;
    public ArrayView<int> RowMap;
    public ArrayView<Pair> Norm;
    public int Rows;
    public int Pairs;
    public float Epsilon;

    public readonly long Offset(int row) => (long)(RowMap.Length > 0 ? RowMap[row] : row) * Pairs;
}
