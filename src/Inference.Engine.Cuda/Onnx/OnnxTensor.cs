using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Inference.Engine.Cuda.Onnx;

/// <summary>
/// One initializer (ONNX TensorProto): its shape and where its values are, inline (raw_data, float_data,
/// int32_data holding float16 bits) or in an external data file beside the model.
/// </summary>
internal sealed class OnnxTensor
{
    public const int Float = 1;
    public const int Float16 = 10;
    public const int BFloat16 = 16;

    public required string Name { get; init; }

    public required long[] Dims { get; init; }

    public required int DataType { get; init; }

    public ByteString? Raw { get; init; }

    public float[]? FloatData { get; init; }

    public int[]? Int32Data { get; init; }

    public string? ExternalLocation { get; init; }

    public long ExternalOffset { get; init; }

    public long ExternalLength { get; init; } = -1;

    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long dim in Dims)
            {
                count *= dim;
            }

            return count;
        }
    }

    public bool IsFloatingPoint => DataType is Float or Float16 or BFloat16;

    /// <summary>The values as float32 (float16 and bfloat16 widened exactly).</summary>
    public float[] ToFloats(string folder)
    {
        long count = ElementCount;
        var result = new float[count];
        if (FloatData is { Length: > 0 } floats && DataType == Float)
        {
            Check(floats.Length);
            floats.CopyTo(result, 0);
            return result;
        }

        if (Int32Data is { Length: > 0 } ints && DataType is Float16 or BFloat16)
        {
            // ONNX keeps 16-bit floats in int32_data one value per element when raw_data is not used.
            Check(ints.Length);
            for (int i = 0; i < ints.Length; i++)
            {
                result[i] = Widen((ushort)ints[i]);
            }

            return result;
        }

        int elementSize = DataType == Float ? 4 : 2;
        byte[] bytes = ReadBytes(folder, count * elementSize);
        if (DataType == Float)
        {
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
        }
        else
        {
            var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
            for (int i = 0; i < halves.Length; i++)
            {
                result[i] = Widen(halves[i]);
            }
        }

        return result;
    }

    private float Widen(ushort bits) => DataType == Float16
        ? (float)BitConverter.UInt16BitsToHalf(bits)
        : BitConverter.Int32BitsToSingle(bits << 16);

    private byte[] ReadBytes(string folder, long expected)
    {
        if (ExternalLocation is null)
        {
            if (Raw is null)
            {
                throw new ModelLoadException($"Initializer '{Name}' has no data.");
            }

            if (Raw.Length != expected)
            {
                throw new ModelLoadException($"Initializer '{Name}' has {Raw.Length} bytes of raw data; its shape needs {expected}.");
            }

            return Raw.ToByteArray();
        }

        string path = Path.GetFullPath(Path.Combine(folder, ExternalLocation));
        if (!path.StartsWith(Path.GetFullPath(folder), StringComparison.Ordinal))
        {
            throw new ModelLoadException($"Initializer '{Name}': external data location '{ExternalLocation}' leaves the model folder.");
        }

        if (ExternalLength >= 0 && ExternalLength != expected)
        {
            throw new ModelLoadException($"Initializer '{Name}': external data length {ExternalLength} does not match its shape ({expected} bytes).");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            stream.Seek(ExternalOffset, SeekOrigin.Begin);
            var buffer = new byte[expected];
            stream.ReadExactly(buffer);
            return buffer;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"Initializer '{Name}': cannot read {expected} bytes at {ExternalOffset} of {path} ({e.Message}).", e);
        }
    }

    private void Check(int length)
    {
        if (length != ElementCount)
        {
            throw new ModelLoadException($"Initializer '{Name}' has {length} values; its shape needs {ElementCount}.");
        }
    }
}
