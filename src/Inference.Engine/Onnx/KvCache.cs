using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Onnx;

/// <summary>
/// The attention cache of a batch: per layer one key and one value tensor shaped
/// [batch, kv_heads, length, head_size]. Rows are sequences; a row shorter than <see cref="Length"/> is
/// left-padded (its first slots are masked out by the attention mask).
/// </summary>
internal sealed class KvCache : IDisposable
{
    private readonly OrtValue[] _keys;
    private readonly OrtValue[] _values;

    private KvCache(OrtValue[] keys, OrtValue[] values, int batch, int length)
    {
        _keys = keys;
        _values = values;
        Batch = batch;
        Length = length;
    }

    public int Batch { get; }

    public int Length { get; }

    public int LayerCount => _keys.Length;

    public OrtValue Key(int layer) => _keys[layer];

    public OrtValue Value(int layer) => _values[layer];

    /// <summary>A cache with no past (prefill).</summary>
    public static KvCache Empty(GenAiConfig config, int batch) => Allocate(config, batch, 0, zeroed: false);

    /// <summary>Takes ownership of present tensors returned by a run.</summary>
    public static KvCache FromPresent(OrtValue[] keys, OrtValue[] values, int batch, int length) =>
        new(keys, values, batch, length);

    /// <summary>Tensors of the given shape; zeroed when padding slots will be read (masked keys still enter the
    /// weighted sum with weight 0, and 0 times a stale NaN is NaN).</summary>
    public static KvCache Allocate(GenAiConfig config, int batch, int length, bool zeroed)
    {
        var keys = new OrtValue[config.LayerCount];
        var values = new OrtValue[config.LayerCount];
        long[] shape = [batch, config.KeyValueHeadCount, length, config.HeadSize];
        for (int layer = 0; layer < config.LayerCount; layer++)
        {
            keys[layer] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);
            values[layer] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape);
            if (zeroed && length > 0)
            {
                keys[layer].GetTensorMutableDataAsSpan<float>().Clear();
                values[layer].GetTensorMutableDataAsSpan<float>().Clear();
            }
        }

        return new KvCache(keys, values, batch, length);
    }

    /// <summary>
    /// Builds a new cache from rows of existing caches, each row right-aligned in <paramref name="length"/> slots
    /// (left padding). Used when sequences join or leave a running batch; a row whose own cache is longer than
    /// <paramref name="length"/> keeps only its last slots, which callers ensure are the only unmasked ones.
    /// </summary>
    public static KvCache Gather(GenAiConfig config, IReadOnlyList<(KvCache Source, int Row)> rows, int length)
    {
        var result = Allocate(config, rows.Count, length, zeroed: true);
        int heads = config.KeyValueHeadCount;
        int headSize = config.HeadSize;
        for (int layer = 0; layer < config.LayerCount; layer++)
        {
            CopyRows(rows, layer, result._keys[layer], heads, headSize, length, keys: true);
            CopyRows(rows, layer, result._values[layer], heads, headSize, length, keys: false);
        }

        return result;
    }

    private static void CopyRows(
        IReadOnlyList<(KvCache Source, int Row)> rows, int layer, OrtValue target, int heads, int headSize, int length, bool keys)
    {
        var destination = target.GetTensorMutableDataAsSpan<float>();
        for (int r = 0; r < rows.Count; r++)
        {
            var (source, row) = rows[r];
            int sourceLength = source.Length;
            var data = (keys ? source._keys[layer] : source._values[layer]).GetTensorDataAsSpan<float>();
            int copy = Math.Min(sourceLength, length);
            for (int h = 0; h < heads; h++)
            {
                int sourceStart = (((row * heads) + h) * sourceLength + (sourceLength - copy)) * headSize;
                int destinationStart = (((r * heads) + h) * length + (length - copy)) * headSize;
                data.Slice(sourceStart, copy * headSize).CopyTo(destination.Slice(destinationStart, copy * headSize));
            }
        }
    }

    public void Dispose()
    {
        foreach (var value in _keys)
        {
            value.Dispose();
        }

        foreach (var value in _values)
        {
            value.Dispose();
        }
    }
}
