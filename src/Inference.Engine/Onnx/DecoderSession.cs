using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Inference.Engine.Onnx;

/// <summary>
/// One ONNX Runtime session over a decoder exported in the GenAI / Optimum layout: input ids, attention mask over
/// past plus current tokens, position ids, and a key/value cache fed back from the previous step's outputs.
/// Not thread-safe: one scheduler loop drives it.
/// </summary>
internal sealed class DecoderSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _hasAttentionMask;
    private readonly bool _hasPositionIds;

    public DecoderSession(GenAiConfig config, string folder, ExecutionProvider provider, int intraOpThreads)
    {
        Config = config;
        string path = Path.Combine(folder, config.DecoderFileName);
        _session = SessionFactory.Create(path, provider, intraOpThreads);

        var declaredInputs = _session.InputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        var declaredOutputs = _session.OutputMetadata.Keys.ToHashSet(StringComparer.Ordinal);
        _hasAttentionMask = config.AttentionMaskName is { } mask && declaredInputs.Contains(mask);
        _hasPositionIds = config.PositionIdsName is { } positions && declaredInputs.Contains(positions);

        var inputs = new List<string> { config.InputIdsName };
        if (_hasAttentionMask)
        {
            inputs.Add(config.AttentionMaskName!);
        }

        if (_hasPositionIds)
        {
            inputs.Add(config.PositionIdsName!);
        }

        var outputs = new List<string> { config.LogitsName };
        for (int layer = 0; layer < config.LayerCount; layer++)
        {
            inputs.Add(config.PastKeyName(layer));
            inputs.Add(config.PastValueName(layer));
            outputs.Add(config.PresentKeyName(layer));
            outputs.Add(config.PresentValueName(layer));
        }

        foreach (var name in inputs.Where(n => !declaredInputs.Contains(n)))
        {
            _session.Dispose();
            throw new ModelLoadException(
                $"{path}: the graph has no input named '{name}' that genai_config.json names " +
                $"(graph inputs: {string.Join(", ", declaredInputs)}).");
        }

        foreach (var name in outputs.Where(n => !declaredOutputs.Contains(n)))
        {
            _session.Dispose();
            throw new ModelLoadException(
                $"{path}: the graph has no output named '{name}' that genai_config.json names " +
                $"(graph outputs: {string.Join(", ", declaredOutputs)}).");
        }

        if (!_hasAttentionMask)
        {
            _session.Dispose();
            throw new ModelLoadException($"{path}: the decoder has no attention mask input; batching needs one.");
        }

        _inputNames = [.. inputs];
        _outputNames = [.. outputs];
    }

    public GenAiConfig Config { get; }

    /// <summary>
    /// Runs one forward pass. <paramref name="inputIds"/> and <paramref name="positionIds"/> are
    /// [batch, sequenceLength]; <paramref name="attentionMask"/> is [batch, past.Length + sequenceLength].
    /// Returns the logits [batch, sequenceLength, vocab] and the new cache (the caller owns both; the past is not
    /// disposed here).
    /// </summary>
    public (OrtValue Logits, KvCache Present) Run(
        long[] inputIds, long[] attentionMask, long[] positionIds, int batch, int sequenceLength, KvCache past)
    {
        int total = past.Length + sequenceLength;
        var inputValues = new OrtValue[_inputNames.Length];
        var outputValues = new OrtValue[_outputNames.Length];
        int index = 0;
        try
        {
            inputValues[index++] = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, inputIds.AsMemory(0, batch * sequenceLength), [batch, sequenceLength]);
            inputValues[index++] = OrtValue.CreateTensorValueFromMemory(
                OrtMemoryInfo.DefaultInstance, attentionMask.AsMemory(0, batch * total), [batch, total]);
            if (_hasPositionIds)
            {
                inputValues[index++] = OrtValue.CreateTensorValueFromMemory(
                    OrtMemoryInfo.DefaultInstance, positionIds.AsMemory(0, batch * sequenceLength), [batch, sequenceLength]);
            }

            int firstPast = index;
            for (int layer = 0; layer < Config.LayerCount; layer++)
            {
                inputValues[index++] = past.Key(layer);
                inputValues[index++] = past.Value(layer);
            }

            // Outputs are allocated here so that this class owns them: ONNX Runtime writes into them directly.
            var logits = OrtValue.CreateAllocatedTensorValue(
                OrtAllocator.DefaultInstance, TensorElementType.Float, [batch, sequenceLength, Config.VocabSize]);
            outputValues[0] = logits;
            var present = KvCache.Allocate(Config, batch, total, zeroed: false);
            for (int layer = 0; layer < Config.LayerCount; layer++)
            {
                outputValues[1 + (2 * layer)] = present.Key(layer);
                outputValues[2 + (2 * layer)] = present.Value(layer);
            }

            try
            {
                _session.Run(_runOptions, _inputNames, inputValues, _outputNames, outputValues);
            }
            catch
            {
                logits.Dispose();
                present.Dispose();
                throw;
            }

            // The past tensors belong to the caller; only the wrappers made here are released.
            for (int i = firstPast; i < index; i++)
            {
                inputValues[i] = null!;
            }

            return (logits, present);
        }
        finally
        {
            foreach (var value in inputValues)
            {
                value?.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
