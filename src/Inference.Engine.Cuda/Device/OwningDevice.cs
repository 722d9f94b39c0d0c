using ILGPU;
using ILGPU.Runtime;

namespace Inference.Engine.Cuda.Device;

/// <summary>A device decoder that also owns its accelerator and ILGPU context, releasing them in order.</summary>
internal sealed class OwningDevice(IDeviceDecoder inner, Context context, Accelerator accelerator) : IDeviceDecoder
{
    public int ChunkTokens => inner.ChunkTokens;

    public long WeightBytes => inner.WeightBytes;

    public string AcceleratorName => inner.AcceleratorName;

    public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots, ReadOnlySpan<int> positions, ReadOnlySpan<int> outputs, int firstOutputRow) =>
        inner.Forward(tokens, slots, positions, outputs, firstOutputRow);

    public void ArgMax(int rows, Span<int> result) => inner.ArgMax(rows, result);

    public int TopKCapacity => inner.TopKCapacity;

    public void TopK(int rows, Span<int> ids, Span<float> logits, Span<float> logSumExps) => inner.TopK(rows, ids, logits, logSumExps);

    public void CopyLogits(int row, Span<float> destination) => inner.CopyLogits(row, destination);

    public void Dispose()
    {
        inner.Dispose();
        accelerator.Dispose();
        context.Dispose();
    }
}
