using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>Inputs of <see cref="AttentionKernel"/>: each token's rotated query, its slot and position, the
/// cache, a score scratch of [tokens, heads, context], and where the per-head results go.</summary>
internal struct AttentionArgs
{
    public ArrayView<float> Query;
    public ArrayView<float> Output;
    public ArrayView<float> Scores;
    public ArrayView<int> Slots;
    public ArrayView<int> Positions;
    public DeviceCacheView Cache;
    public int Heads;
    public int Layer;
    public float Scale;

    /// <summary>Lanes that split one head's dimensions (8 each); the rest of the lanes split positions.</summary>
    public int DimensionLanes;
}
