namespace Inference.Engine.Cuda.Kernels;

/// <summary>Two adjacent floats: the unit every kernel loads, so a lane group moves 8 bytes (float32) or 4 bytes
/// (float16) per lane per load and rows stay coalesced.</summary>
internal struct Pair
{
    public float X;
    public float Y;
}
