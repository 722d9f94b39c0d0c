using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>
/// The preallocated key/value cache as kernels see it: [slot, layer, kv head, position, head size] for keys and
/// for values, so one sequence's positions for one head are contiguous for attention to stream through.
/// </summary>
internal struct DeviceCacheView
{
    public ArrayView<float> Keys;
    public ArrayView<float> Values;
    public int Layers;
    public int KeyValueHeads;
    public int Context;
    public int HeadSize;

    public readonly long Offset(int slot, int layer, int kvHead, int position) =>
        (((((long)slot * Layers) + layer) * KeyValueHeads + kvHead) * Context + position) * HeadSize;
}
