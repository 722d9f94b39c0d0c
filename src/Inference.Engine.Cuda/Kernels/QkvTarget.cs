using ILGPU;

namespace Inference.Engine.Cuda.Kernels;

/// <summary>Where the q/k/v projection's results go: rotated queries to a staging buffer, rotated keys and plain
/// values straight into the device cache at each token's slot and position.</summary>
internal struct QkvTarget
{
    public ArrayView<float> Query;
    public DeviceCacheView Cache;
    public ArrayView<int> Slots;
    public ArrayView<int> Positions;
    public ArrayView<float> Cos;
    public ArrayView<float> Sin;
    public int Heads;
    public int KeyValueHeads;
    public int HeadSize;
    public int Layer;

    /// <summary>Stores elements i and i + head/2 of head <paramref name="head"/> (query heads first, then key
    /// heads, then value heads) for token <paramref name="token"/>.</summary>
    public readonly void Store(int token, int head, int i, float first, float second)
    {
        int half = HeadSize / 2;
        int position = Positions[token];
        if (head < Heads + KeyValueHeads)
        {
            // Rotary embedding, transformers' rotate_half convention: element i pairs with i + head/2.
            float c = Cos[(position * half) + i];
            float s = Sin[(position * half) + i];
            float rotatedFirst = (first * c) - (second * s);
            second = (second * c) + (first * s);
            first = rotatedFirst;
        }

        long at;
        ArrayView<float> into;
        if (head < Heads)
        {
            into = Query;
            at = (((long)token * Heads) + head) * HeadSize;
        }
        else
        {
            bool key = head < Heads + KeyValueHeads;
            int kv = key ? head - Heads : head - Heads - KeyValueHeads;
            into = key ? Cache.Keys : Cache.Values;
            at = Cache.Offset(Slots[token], Layer, kv, position);
        }

        into[at + i] = first;
        into[at + i + half] = second;
    }
}
