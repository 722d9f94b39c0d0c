using ILGPU;
using ILGPU.Runtime;
using Inference.Engine.Cuda.Kernels;
using Inference.Engine.Cuda.Weights;

namespace Inference.Engine.Cuda.Device;

/// <summary>
/// A decoder's forward pass on one ILGPU accelerator: weights uploaded once, a key/value cache preallocated for
/// every slot at the full context, activation buffers for one chunk of tokens, and five launches per layer
/// (q/k/v + rotary + cache write with the input norm fused; attention; output projection + residual; gate/up with
/// the norm fused; down projection + residual). Nothing is allocated per step.
/// </summary>
internal sealed class DeviceDecoder<TWeights> : IDeviceDecoder
    where TWeights : struct, IWeights
{
    private const int RowsPerGroup = 4;

    private readonly Accelerator _accelerator;
    private readonly DecoderArchitecture _a;
    private readonly int _lanes;
    private readonly DeviceWeights _weights;
    private readonly DeviceLayer<TWeights>[] _layers;
    private readonly TWeights _embedding;
    private readonly TWeights _head;
    private readonly ArrayView<Pair> _finalNorm;
    private readonly ArrayView<float> _cos;
    private readonly ArrayView<float> _sin;
    private readonly DeviceCacheView _cache;
    private readonly List<MemoryBuffer> _buffers = [];
    private readonly ArrayView<int> _meta;
    private readonly ArrayView<float> _hidden;
    private readonly ArrayView<float> _query;
    private readonly ArrayView<float> _attention;
    private readonly ArrayView<float> _mlp;
    private readonly ArrayView<float> _scores;
    private readonly ArrayView<float> _logits;
    private readonly ArrayView<int> _argMax;
    private readonly ArrayView<int> _topIds;
    private readonly ArrayView<float> _topLogits;
    private readonly ArrayView<float> _logSumExps;
    private readonly int[] _hostMeta;
    private readonly int _dimensionLanes;

    private readonly Action<KernelConfig, ArrayView<int>, TWeights, ArrayView<Pair>, int, int> _embed;
    private readonly Action<KernelConfig, RowInput, TWeights, ArrayView<float>, QkvTarget, int> _projectQkv;
    private readonly Action<KernelConfig, AttentionArgs, int> _attend;
    private readonly Action<KernelConfig, RowInput, TWeights, ArrayView<float>, ArrayView<float>, int, int, int> _project;
    private readonly Action<KernelConfig, RowInput, TWeights, TWeights, ArrayView<float>, int, int> _gatedProject;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, int, int> _argMaxKernel;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int> _topKKernel;

    public DeviceDecoder(Accelerator accelerator, DecoderWeights weights, DeviceOptions options, Func<DeviceWeights, float[], TWeights> matrix)
    {
        _accelerator = accelerator;
        _a = weights.Architecture;
        _lanes = options.Lanes;
        _weights = new DeviceWeights(accelerator);
        try
        {
            _embedding = matrix(_weights, weights.Embedding);
            _head = weights.OutputHead is { } head ? matrix(_weights, head) : _embedding;
            _finalNorm = _weights.Pairs(weights.FinalNorm);
            _layers = weights.Layers.Select(l => new DeviceLayer<TWeights>(
                _weights.Pairs(l.AttentionNorm), matrix(_weights, l.QueryKeyValue), _weights.Floats(l.QueryKeyValueBias),
                matrix(_weights, l.AttentionOutput), _weights.Pairs(l.MlpNorm), matrix(_weights, l.Gate), matrix(_weights, l.Up),
                matrix(_weights, l.Down))).ToArray();
            (float[] cos, float[] sin) = RotaryTables.Build(_a);
            _cos = _weights.Floats(cos);
            _sin = _weights.Floats(sin);
            WeightBytes = _weights.Bytes - ((cos.Length + sin.Length + 2L) * sizeof(float));

            ChunkTokens = options.ChunkTokens ?? Math.Max(options.Slots,
                (int)Math.Min(256, (256L << 20) / ((long)_a.HeadCount * _a.ContextLength * sizeof(float))));
            long cacheLength = (long)options.Slots * _a.LayerCount * _a.KeyValueHeadCount * _a.ContextLength * _a.HeadSize;
            _cache = new DeviceCacheView
            {
                Keys = Allocate<float>(cacheLength),
                Values = Allocate<float>(cacheLength),
                Layers = _a.LayerCount,
                KeyValueHeads = _a.KeyValueHeadCount,
                Context = _a.ContextLength,
                HeadSize = _a.HeadSize,
            };
            int c = ChunkTokens;
            _hostMeta = new int[(3 * c) + options.Slots];
            _meta = Allocate<int>(_hostMeta.Length);
            _hidden = Allocate<float>((long)c * _a.HiddenSize);
            _query = Allocate<float>((long)c * _a.HeadCount * _a.HeadSize);
            _attention = Allocate<float>((long)c * _a.HeadCount * _a.HeadSize);
            _mlp = Allocate<float>((long)c * _a.IntermediateSize);
            _scores = Allocate<float>((long)c * _a.HeadCount * _a.ContextLength);
            _logits = Allocate<float>((long)options.Slots * _a.VocabSize);
            _argMax = Allocate<int>(options.Slots);
            TopKCapacity = Math.Min(MaxTopK, _a.VocabSize);
            _topIds = Allocate<int>((long)options.Slots * TopKCapacity);
            _topLogits = Allocate<float>((long)options.Slots * TopKCapacity);
            _logSumExps = Allocate<float>(options.Slots);
        }
        catch
        {
            Dispose();
            throw;
        }

        _dimensionLanes = AttentionKernel.DimensionLanesFor(_a.HeadSize, _lanes);
        _embed = accelerator.LoadStreamKernel<ArrayView<int>, TWeights, ArrayView<Pair>, int, int>(ProjectionKernels.Embed);
        _projectQkv = accelerator.LoadStreamKernel<RowInput, TWeights, ArrayView<float>, QkvTarget, int>(ProjectionKernels.ProjectQkv);
        _attend = accelerator.LoadStreamKernel<AttentionArgs, int>(AttentionKernel.Run);
        _project = accelerator.LoadStreamKernel<RowInput, TWeights, ArrayView<float>, ArrayView<float>, int, int, int>(ProjectionKernels.Project);
        _gatedProject = accelerator.LoadStreamKernel<RowInput, TWeights, TWeights, ArrayView<float>, int, int>(ProjectionKernels.GatedProject);
        _argMaxKernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int>(ArgMaxKernel.Run);
        _topKKernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int>(TopKKernel.Run);
    }

    /// <summary>The largest k <see cref="TopK"/> selects on the device: top_k defaults (40 in llama.cpp and Ollama,
    /// 50 in transformers) fit; a larger k reads the row.</summary>
    private const int MaxTopK = 64;

    public int TopKCapacity { get; }

    public int ChunkTokens { get; }

    public long WeightBytes { get; }

    public string AcceleratorName => $"{_accelerator.AcceleratorType} {_accelerator.Name}";

    public void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots, ReadOnlySpan<int> positions, ReadOnlySpan<int> outputs, int firstOutputRow)
    {
        int n = tokens.Length;
        int c = ChunkTokens;
        tokens.CopyTo(_hostMeta);
        slots.CopyTo(_hostMeta.AsSpan(c));
        positions.CopyTo(_hostMeta.AsSpan(2 * c));
        outputs.CopyTo(_hostMeta.AsSpan(3 * c));
        _meta.SubView(0, (3 * c) + outputs.Length).CopyFromCPU(_hostMeta.AsSpan(0, (3 * c) + outputs.Length));
        var tokenIds = _meta.SubView(0, n);
        var slotIds = _meta.SubView(c, n);
        var positionIds = _meta.SubView(2 * c, n);
        var outputRows = _meta.SubView(3 * c, Math.Max(outputs.Length, 1));

        int hiddenPairs = _a.HiddenSize / 2;
        _embed(Spread((long)n * hiddenPairs), tokenIds, _embedding, _hidden.Cast<Pair>(), n, hiddenPairs);
        int attentionWidth = _a.HeadCount * _a.HeadSize;
        for (int layer = 0; layer < _layers.Length; layer++)
        {
            var w = _layers[layer];
            var target = new QkvTarget
            {
                Query = _query,
                Cache = _cache,
                Slots = slotIds,
                Positions = positionIds,
                Cos = _cos,
                Sin = _sin,
                Heads = _a.HeadCount,
                KeyValueHeads = _a.KeyValueHeadCount,
                HeadSize = _a.HeadSize,
                Layer = layer,
            };
            _projectQkv(Rows(_a.QkvRows / 2), Input(_hidden, n, _a.HiddenSize, w.AttentionNorm), w.QueryKeyValue, w.QueryKeyValueBias, target, _lanes);
            var attention = new AttentionArgs
            {
                Query = _query,
                Output = _attention,
                Scores = _scores,
                Slots = slotIds,
                Positions = positionIds,
                Cache = _cache,
                Heads = _a.HeadCount,
                Layer = layer,
                Scale = 1f / MathF.Sqrt(_a.HeadSize),
                DimensionLanes = _dimensionLanes,
            };
            _attend(new KernelConfig(n * _a.HeadCount, _lanes), attention, _lanes);
            _project(Rows(_a.HiddenSize), Input(_attention, n, attentionWidth, default), w.AttentionOutput, _weights.Empty, _hidden, _a.HiddenSize, 1, _lanes);
            _gatedProject(Rows(_a.IntermediateSize), Input(_hidden, n, _a.HiddenSize, w.MlpNorm), w.Gate, w.Up, _mlp, _a.IntermediateSize, _lanes);
            _project(Rows(_a.HiddenSize), Input(_mlp, n, _a.IntermediateSize, default), w.Down, _weights.Empty, _hidden, _a.HiddenSize, 1, _lanes);
        }

        if (outputs.Length > 0)
        {
            var input = Input(_hidden, outputs.Length, _a.HiddenSize, _finalNorm);
            input.RowMap = outputRows;
            var logits = _logits.SubView((long)firstOutputRow * _a.VocabSize, (long)outputs.Length * _a.VocabSize);
            _project(Rows(_a.VocabSize), input, _head, _weights.Empty, logits, _a.VocabSize, 0, _lanes);
        }
    }

    public void ArgMax(int rows, Span<int> result)
    {
        _argMaxKernel(new KernelConfig(rows, _lanes), _logits, _argMax, _a.VocabSize, _lanes);
        _argMax.SubView(0, rows).CopyToCPU(result[..rows]);
    }

    public void TopK(int rows, Span<int> ids, Span<float> logits, Span<float> logSumExps)
    {
        int k = TopKCapacity;
        int group = Math.Min(512, _accelerator.MaxNumThreadsPerGroup);
        _topKKernel(new KernelConfig(rows, group), _logits, _topIds, _topLogits, _logSumExps, _a.VocabSize, k);
        _topIds.SubView(0, (long)rows * k).CopyToCPU(ids[..(rows * k)]);
        _topLogits.SubView(0, (long)rows * k).CopyToCPU(logits[..(rows * k)]);
        _logSumExps.SubView(0, rows).CopyToCPU(logSumExps[..rows]);
    }

    public void CopyLogits(int row, Span<float> destination) =>
        _logits.SubView((long)row * _a.VocabSize, _a.VocabSize).CopyToCPU(destination[.._a.VocabSize]);

    private RowInput Input(ArrayView<float> values, int rows, int width, ArrayView<Pair> norm) => new()
    {
        Values = values.Cast<Pair>(),
        RowMap = _meta.SubView(0, 0),
        Norm = norm.IsValid ? norm : _weights.Empty.Cast<Pair>(),
        Rows = rows,
        Pairs = width / 2,
        Epsilon = _a.RmsNormEpsilon,
    };

    /// <summary>Groups of <see cref="RowsPerGroup"/> lane groups (one row each) covering <paramref name="rows"/>.</summary>
    private KernelConfig Rows(int rows)
    {
        int perGroup = _lanes == 1 ? Math.Min(64, _accelerator.MaxNumThreadsPerGroup) : RowsPerGroup;
        return new KernelConfig((rows + perGroup - 1) / perGroup, perGroup * _lanes);
    }

    private KernelConfig Spread(long items)
    {
        int group = Math.Min(256, _accelerator.MaxNumThreadsPerGroup);
        long groups = Math.Min((items + group - 1) / group, 65535);
        return new KernelConfig((int)Math.Max(groups, 1), group);
    }

    private ArrayView<T> Allocate<T>(long length)
        where T : unmanaged
    {
        var buffer = _accelerator.Allocate1D<T>(Math.Max(length, 1));
        _buffers.Add(buffer);
        buffer.MemSetToZero();
        return buffer.View;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }

        _buffers.Clear();
        _weights.Dispose();
    }
}
