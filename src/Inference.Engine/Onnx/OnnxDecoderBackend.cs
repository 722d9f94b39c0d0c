using Inference.Engine.Decoding;
using Inference.Engine.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Onnx;

/// <summary>
/// The ONNX Runtime decoder behind the slot interface. ONNX Runtime takes the cache as one left-padded
/// [batch, heads, length, head] tensor per layer, so slots are rows of such tensors: a prefill's rows live in its
/// present tensors until the next decode gathers every decoded slot into one batch (right-aligned, trimmed to the
/// longest remaining sequence), and a regather happens only when the set or order of slots changes.
/// </summary>
internal sealed class OnnxDecoderBackend : IDecoderBackend
{
    private readonly DecoderSession _session;
    private readonly List<Slot?> _slots = [];
    private readonly Stack<int> _free = new();
    private readonly List<int> _batchSlots = [];
    private readonly StepLogits _logits;
    private Holder? _batch;
    private long[] _ids = new long[64];
    private long[] _mask = new long[256];
    private long[] _positions = new long[64];

    public OnnxDecoderBackend(DecoderSession session)
    {
        _session = session;
        _logits = new StepLogits(session.Config.VocabSize);
    }

    public GenAiConfig Config => _session.Config;

    public IStepLogits Prefill(IReadOnlyList<IReadOnlyList<int>> prompts, Span<int> slots)
    {
        int batch = prompts.Count;
        int length = 0;
        foreach (var prompt in prompts)
        {
            length = Math.Max(length, prompt.Count);
        }

        var ids = Rent(ref _ids, batch * length);
        var mask = Rent(ref _mask, batch * length);
        var positions = Rent(ref _positions, batch * length);
        LeftPad(prompts, length, Config.PadTokenId, ids, mask, positions);

        using var empty = KvCache.Empty(Config, batch);
        var (logits, present) = _session.Run(ids, mask, positions, batch, length, empty);
        _logits.Set(logits, length);
        var holder = new Holder(present, batch);
        for (int r = 0; r < batch; r++)
        {
            slots[r] = Take(new Slot(holder, r, prompts[r].Count));
        }

        return _logits;
    }

    /// <summary>Lays prompts out as transformers does for a batch: right-aligned in <paramref name="length"/>
    /// slots, padding masked, real positions counting from 0 and padded ones holding 1.</summary>
    internal static void LeftPad(
        IReadOnlyList<IReadOnlyList<int>> prompts, int length, int padTokenId, Span<long> ids, Span<long> mask, Span<long> positions)
    {
        for (int r = 0; r < prompts.Count; r++)
        {
            var prompt = prompts[r];
            int padding = length - prompt.Count;
            for (int t = 0; t < length; t++)
            {
                int at = (r * length) + t;
                bool real = t >= padding;
                ids[at] = real ? prompt[t - padding] : padTokenId;
                mask[at] = real ? 1 : 0;
                positions[at] = real ? t - padding : 1;
            }
        }
    }

    public IStepLogits Decode(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens)
    {
        if (!IsCurrentBatch(slots))
        {
            Regather(slots);
        }

        var batch = _batch!;
        int rows = slots.Length;
        int past = batch.Cache.Length;
        int total = past + 1;
        var ids = Rent(ref _ids, rows);
        var positions = Rent(ref _positions, rows);
        var mask = Rent(ref _mask, rows * total);
        for (int r = 0; r < rows; r++)
        {
            int cached = _slots[slots[r]]!.Length;
            ids[r] = tokens[r];
            positions[r] = cached;
            var rowMask = mask.AsSpan(r * total, total);
            rowMask[..(past - cached)].Clear();
            rowMask[(past - cached)..].Fill(1);
        }

        var (logits, present) = _session.Run(ids, mask, positions, rows, 1, batch.Cache);
        batch.Cache.Dispose();
        batch.Cache = present;
        foreach (int slot in slots)
        {
            _slots[slot]!.Length++;
        }

        _logits.Set(logits, 1);
        return _logits;
    }

    public void Release(int slot)
    {
        var entry = _slots[slot] ?? throw new InvalidOperationException($"Slot {slot} is not in use.");
        entry.Holder.Drop();
        _slots[slot] = null;
        _free.Push(slot);
    }

    private bool IsCurrentBatch(ReadOnlySpan<int> slots)
    {
        // A released slot changes the count, so its row (and the padding it left behind) is trimmed by a regather.
        if (_batch is null || slots.Length != _batchSlots.Count)
        {
            return false;
        }

        for (int r = 0; r < slots.Length; r++)
        {
            if (slots[r] != _batchSlots[r] || _slots[slots[r]]!.Holder != _batch)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Builds one batch cache from the slots' rows, right-aligned in the longest slot's length.</summary>
    private void Regather(ReadOnlySpan<int> slots)
    {
        int length = 0;
        var sources = new List<(KvCache, int)>(slots.Length);
        foreach (int slot in slots)
        {
            var entry = _slots[slot]!;
            length = Math.Max(length, entry.Length);
            sources.Add((entry.Holder.Cache, entry.Row));
        }

        var holder = new Holder(KvCache.Gather(Config, sources, length), slots.Length);
        _batchSlots.Clear();
        for (int r = 0; r < slots.Length; r++)
        {
            var entry = _slots[slots[r]]!;
            entry.Holder.Drop();
            entry.Holder = holder;
            entry.Row = r;
            _batchSlots.Add(slots[r]);
        }

        _batch = holder;
    }

    private int Take(Slot slot)
    {
        if (_free.TryPop(out int index))
        {
            _slots[index] = slot;
            return index;
        }

        _slots.Add(slot);
        return _slots.Count - 1;
    }

    private static long[] Rent(ref long[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new long[Math.Max(length, buffer.Length * 2)];
        }

        return buffer;
    }

    public void Dispose()
    {
        _logits.Set(null, 1);
        foreach (var slot in _slots)
        {
            slot?.Holder.Drop();
        }

        _slots.Clear();
        _session.Dispose();
    }

    /// <summary>A cache tensor set shared by the slots whose rows it holds; disposed when the last one leaves.</summary>
    private sealed class Holder(KvCache cache, int users)
    {
        private int _users = users;

        public KvCache Cache { get; set; } = cache;

        public void Drop()
        {
            if (--_users == 0)
            {
                Cache.Dispose();
            }
        }
    }

    private sealed class Slot(Holder holder, int row, int length)
    {
        public Holder Holder { get; set; } = holder;

        public int Row { get; set; } = row;

        /// <summary>Tokens of this sequence in the cache.</summary>
        public int Length { get; set; } = length;
    }

    /// <summary>The last step's logits tensor [batch, sequence, vocab]; each row is its last position.</summary>
    private sealed class StepLogits(int vocabulary) : IStepLogits
    {
        private OrtValue? _value;
        private int _sequenceLength;

        public void Set(OrtValue? value, int sequenceLength)
        {
            _value?.Dispose();
            _value = value;
            _sequenceLength = sequenceLength;
        }

        public ReadOnlySpan<float> Row(int row) =>
            _value!.GetTensorDataAsSpan<float>().Slice(((row * _sequenceLength) + _sequenceLength - 1) * vocabulary, vocabulary);

        public int ArgMax(int row) => Sampler.ArgMax(Row(row));
    }
}
