using ILGPU;
using ILGPU.Runtime;
using Inference.Engine.Cuda.Kernels;

namespace Inference.Engine.Cuda.Device;

/// <summary>One layer's weights on the device.</summary>
internal sealed record DeviceLayer<TWeights>(
    ArrayView<Pair> AttentionNorm, TWeights QueryKeyValue, ArrayView<float> QueryKeyValueBias, TWeights AttentionOutput,
    ArrayView<Pair> MlpNorm, TWeights Gate, TWeights Up, TWeights Down)
    where TWeights : struct, IWeights;

/// <summary>Uploads weights once and owns their device buffers; matrices in the chosen storage, vectors as float32.</summary>
internal sealed class DeviceWeights : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly List<MemoryBuffer> _owned = [];

    public DeviceWeights(Accelerator accelerator)
    {
        _accelerator = accelerator;
        // Absent tensors (a bias-free model) are zero-length views of a real buffer: kernels test the length,
        // and launchers never see a view without memory behind it.
        Empty = Upload(new float[2]).SubView(0, 0);
    }

    /// <summary>A zero-length view meaning "none".</summary>
    public ArrayView<float> Empty { get; }

    public long Bytes { get; private set; }

    public Float32Weights Float32Matrix(float[] values) => new() { Data = Floats(values).Cast<Pair>() };

    public Float16Weights Float16Matrix(float[] values)
    {
        var packed = new uint[values.Length / 2];
        for (int i = 0; i < packed.Length; i++)
        {
            ushort low = BitConverter.HalfToUInt16Bits((System.Half)values[2 * i]);
            ushort high = BitConverter.HalfToUInt16Bits((System.Half)values[(2 * i) + 1]);
            packed[i] = low | ((uint)high << 16);
        }

        return new Float16Weights { Data = Upload(packed) };
    }

    public ArrayView<Pair> Pairs(float[] values) => Floats(values).Cast<Pair>();

    public ArrayView<float> Floats(float[]? values) => values is null ? Empty : Upload(values);

    private ArrayView<T> Upload<T>(T[] values)
        where T : unmanaged
    {
        var buffer = _accelerator.Allocate1D(values);
        _owned.Add(buffer);
        Bytes += buffer.LengthInBytes;
        return buffer.View;
    }

    public void Dispose()
    {
        foreach (var buffer in _owned)
        {
            buffer.Dispose();
        }

        _owned.Clear();
    }
}
