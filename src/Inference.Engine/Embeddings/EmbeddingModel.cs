using System.Numerics.Tensors;
using Inference.Engine.Models;
using Inference.Engine.Onnx;
using Inference.Engine.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Embeddings;

/// <summary>
/// A BERT-style encoder: WordPiece tokens in, one pooled (and by default L2-normalised) vector per input out.
/// Inputs are batched with right padding. An input longer than the model's maximum is refused, not truncated:
/// silently embedding half a document gives vectors that look fine and retrieve wrongly.
/// </summary>
internal sealed class EmbeddingModel : IEmbeddingModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly BertWordPieceTokenizer _tokenizer;
    private readonly EncoderConfig _config;
    private readonly bool _hasTokenTypes;
    private readonly string _outputName;

    private EmbeddingModel(ModelInfo info, InferenceSession session, BertWordPieceTokenizer tokenizer, EncoderConfig config)
    {
        Info = info;
        _session = session;
        _tokenizer = tokenizer;
        _config = config;
        _hasTokenTypes = session.InputMetadata.ContainsKey("token_type_ids");
        _outputName = session.OutputMetadata.ContainsKey("last_hidden_state")
            ? "last_hidden_state"
            : session.OutputMetadata.Keys.First();
    }

    public ModelInfo Info { get; }

    public int Dimensions => _config.Dimensions;

    public int MaxInputTokens => _config.MaxLength;

    public static EmbeddingModel Load(ModelDefinition definition, TimeProvider clock)
    {
        var config = EncoderConfig.Load(definition.Path);
        var tokenizer = BertWordPieceTokenizer.FromModelFolder(definition.Path);
        var session = SessionFactory.Create(config.OnnxPath, definition.ExecutionProvider, definition.IntraOpThreads);
        foreach (var required in new[] { "input_ids", "attention_mask" })
        {
            if (!session.InputMetadata.ContainsKey(required))
            {
                session.Dispose();
                throw new ModelLoadException($"{config.OnnxPath}: the encoder has no '{required}' input.");
            }
        }

        var info = new ModelInfo(
            definition.Id, ModelKind.Embedding, config.MaxLength, clock.GetUtcNow().ToUnixTimeSeconds(),
            definition.OwnedBy, [.. definition.Aliases]);
        return new EmbeddingModel(info, session, tokenizer, config);
    }

    public Task<EmbeddingResult> EmbedAsync(IReadOnlyList<EmbeddingInput> inputs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tokenized = new IReadOnlyList<int>[inputs.Count];
        int longest = 0;
        int total = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var ids = inputs[i].TokenIds ?? _tokenizer.Encode(inputs[i].Text ?? "");
            if (ids.Count > _config.MaxLength)
            {
                throw new ContextLengthExceededException(
                    $"Input {i} has {ids.Count} tokens; this model's maximum is {_config.MaxLength}. " +
                    "Shorten or split the input.", "input");
            }

            if (ids.Count == 0)
            {
                throw new InferenceRequestException($"Input {i} is empty.", "input");
            }

            tokenized[i] = ids;
            longest = Math.Max(longest, ids.Count);
            total += ids.Count;
        }

        return Task.FromResult(new EmbeddingResult(Run(tokenized, longest), total));
    }

    private float[][] Run(IReadOnlyList<int>[] batch, int length)
    {
        int rows = batch.Length;
        var ids = new long[rows * length];
        var mask = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            for (int t = 0; t < batch[r].Count; t++)
            {
                ids[(r * length) + t] = batch[r][t];
                mask[(r * length) + t] = 1;
            }

            for (int t = batch[r].Count; t < length; t++)
            {
                ids[(r * length) + t] = _tokenizer.PadId;
            }
        }

        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[rows * length], shape);
        var names = new List<string> { "input_ids", "attention_mask" };
        var values = new List<OrtValue> { idsValue, maskValue };
        if (_hasTokenTypes)
        {
            names.Add("token_type_ids");
            values.Add(typesValue);
        }

        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, values, [_outputName]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        int width = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
        var vectors = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            var vector = new float[width];
            if (_config.Pooling == PoolingMode.Cls)
            {
                hidden.Slice(r * length * width, width).CopyTo(vector);
            }
            else
            {
                int count = batch[r].Count;
                for (int t = 0; t < count; t++)
                {
                    TensorPrimitives.Add(vector, hidden.Slice(((r * length) + t) * width, width), vector);
                }

                TensorPrimitives.Divide(vector, count, vector);
            }

            if (_config.Normalize)
            {
                float norm = TensorPrimitives.Norm(vector);
                if (norm > 0)
                {
                    TensorPrimitives.Divide(vector, norm, vector);
                }
            }

            vectors[r] = vector;
        }

        return vectors;
    }

    public void Dispose() => _session.Dispose();
}
