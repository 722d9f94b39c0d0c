using Inference.Engine.Decoding;
using Inference.Engine.Onnx;
using Inference.Engine.Sampling;

namespace Inference.Engine.Cuda.Device;

/// <summary>
/// The ILGPU decoder behind the scheduler's slot interface. A slot is a region of the device cache that a
/// sequence keeps from prefill to release; prompts of any lengths are run unpadded (flattened, in chunks), and a
/// decode step feeds one token per slot. Only the argmax, or the top-k and log-sum-exp, of each row crosses to the
/// host unless a row is asked for.
/// </summary>
internal sealed class IlgpuDecoderBackend : IDecoderBackend
{
    private readonly IDeviceDecoder _device;
    private readonly int[] _lengths;
    private readonly Stack<int> _free = new();
    private readonly StepLogits _logits;
    private readonly int[] _tokens;
    private readonly int[] _slots;
    private readonly int[] _positions;
    private readonly int[] _outputs;

    public IlgpuDecoderBackend(GenAiConfig config, IDeviceDecoder device, int slots)
    {
        Config = config;
        _device = device;
        _lengths = new int[slots];
        for (int slot = slots - 1; slot >= 0; slot--)
        {
            _free.Push(slot);
        }

        _logits = new StepLogits(device, slots, config.VocabSize);
        _tokens = new int[device.ChunkTokens];
        _slots = new int[device.ChunkTokens];
        _positions = new int[device.ChunkTokens];
        _outputs = new int[slots];
    }

    public GenAiConfig Config { get; }

    /// <summary>The device decoder, for benchmarks that report its bandwidth.</summary>
    internal IDeviceDecoder Device => _device;

    public IStepLogits Prefill(IReadOnlyList<IReadOnlyList<int>> prompts, Span<int> slots)
    {
        if (prompts.Count > _free.Count)
        {
            throw new InvalidOperationException($"{prompts.Count} prompts but {_free.Count} free cache slots.");
        }

        for (int r = 0; r < prompts.Count; r++)
        {
            slots[r] = _free.Pop();
            _lengths[slots[r]] = 0;
        }

        // All prompts back to back, cut into chunks; a prompt's last token marks its logits row.
        int filled = 0;
        int outputs = 0;
        int firstOutput = 0;
        for (int r = 0; r < prompts.Count; r++)
        {
            var prompt = prompts[r];
            for (int t = 0; t < prompt.Count; t++)
            {
                _tokens[filled] = prompt[t];
                _slots[filled] = slots[r];
                _positions[filled] = t;
                if (t == prompt.Count - 1)
                {
                    _outputs[outputs++] = filled;
                }

                if (++filled == _tokens.Length)
                {
                    Forward(filled, outputs, firstOutput);
                    firstOutput += outputs;
                    filled = 0;
                    outputs = 0;
                }
            }

            _lengths[slots[r]] = prompt.Count;
        }

        if (filled > 0)
        {
            Forward(filled, outputs, firstOutput);
        }

        _logits.Reset(prompts.Count);
        return _logits;
    }

    public IStepLogits Decode(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens)
    {
        for (int r = 0; r < slots.Length; r++)
        {
            int slot = slots[r];
            if (_lengths[slot] >= Config.ContextLength)
            {
                throw new InvalidOperationException($"Slot {slot} is at the context length ({Config.ContextLength}).");
            }

            _tokens[r] = tokens[r];
            _slots[r] = slot;
            _positions[r] = _lengths[slot];
            _outputs[r] = r;
        }

        Forward(slots.Length, slots.Length, 0);
        foreach (int slot in slots)
        {
            _lengths[slot]++;
        }

        _logits.Reset(slots.Length);
        return _logits;
    }

    public void Release(int slot) => _free.Push(slot);

    private void Forward(int count, int outputs, int firstOutput) =>
        _device.Forward(_tokens.AsSpan(0, count), _slots.AsSpan(0, count), _positions.AsSpan(0, count), _outputs.AsSpan(0, outputs), firstOutput);

    public void Dispose() => _device.Dispose();

    /// <summary>Argmax, and top-k with log-sum-exp, of every row each fetched once per step when first asked for; a
    /// full row copied only when asked for, once.</summary>
    private sealed class StepLogits(IDeviceDecoder device, int slots, int vocabulary) : IStepLogits
    {
        private readonly int[] _argMax = new int[slots];
        private readonly int[] _topIds = new int[slots * device.TopKCapacity];
        private readonly float[] _topLogits = new float[slots * device.TopKCapacity];
        private readonly float[] _logSumExps = new float[slots];
        private readonly TokenCandidate[] _sortedTop = new TokenCandidate[slots * device.TopKCapacity];
        private readonly bool[] _sorted = new bool[slots];
        private readonly float[] _rows = new float[slots * vocabulary];
        private readonly bool[] _copied = new bool[slots];
        private int _count;
        private bool _argMaxReady;
        private bool _topReady;

        public void Reset(int rows)
        {
            _count = rows;
            _argMaxReady = false;
            _topReady = false;
            Array.Clear(_copied, 0, rows);
            Array.Clear(_sorted, 0, rows);
        }

        public void TopK(int row, Span<TokenCandidate> top)
        {
            int capacity = device.TopKCapacity;
            if (top.Length > capacity)
            {
                Sampling.TopK.Select(Row(row), top);
                return;
            }

            FetchTopK();
            var sorted = _sortedTop.AsSpan(row * capacity, capacity);
            if (!_sorted[row])
            {
                // The device's best `capacity` in no order; sorted (once per row and step, though sampling and
                // logprobs both ask), their first k are the best k by the same rule.
                for (int i = 0; i < capacity; i++)
                {
                    sorted[i] = new TokenCandidate(_topIds[(row * capacity) + i], _topLogits[(row * capacity) + i]);
                }

                sorted.Sort();
                _sorted[row] = true;
            }

            sorted[..top.Length].CopyTo(top);
        }

        public float LogSumExp(int row)
        {
            FetchTopK();
            return _logSumExps[row];
        }

        public float Logit(int row, int token)
        {
            if (!_copied[row])
            {
                // A chosen token is usually among the device's candidates (always for greedy and top-k choices).
                FetchTopK();
                int capacity = device.TopKCapacity;
                int at = Array.IndexOf(_topIds, token, row * capacity, capacity);
                if (at >= 0)
                {
                    return _topLogits[at];
                }
            }

            return Row(row)[token];
        }

        private void FetchTopK()
        {
            if (!_topReady)
            {
                device.TopK(_count, _topIds, _topLogits, _logSumExps);
                _topReady = true;
            }
        }

        public int ArgMax(int row)
        {
            if (!_argMaxReady)
            {
                device.ArgMax(_count, _argMax);
                _argMaxReady = true;
            }

            return _argMax[row];
        }

        public ReadOnlySpan<float> Row(int row)
        {
            var span = _rows.AsSpan(row * vocabulary, vocabulary);
            if (!_copied[row])
            {
                device.CopyLogits(row, span);
                _copied[row] = true;
            }

            return span;
        }
    }
}
