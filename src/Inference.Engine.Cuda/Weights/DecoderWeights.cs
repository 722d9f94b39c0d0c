using Inference.Engine.Cuda.Onnx;

namespace Inference.Engine.Cuda.Weights;

/// <summary>
/// A decoder's weights on the host in the backend's layout (float32, matrices [out, in], q/k/v stacked), read
/// from ONNX initializers or generated at random for benchmarks. Uploaded once, then dropped.
/// </summary>
internal sealed class DecoderWeights
{
    public required DecoderArchitecture Architecture { get; init; }

    public required float[] Embedding { get; init; }

    public required float[] FinalNorm { get; init; }

    /// <summary>The output head [vocab, hidden], or null when it is the embedding (tied).</summary>
    public required float[]? OutputHead { get; init; }

    public required IReadOnlyList<LayerWeights> Layers { get; init; }

    /// <summary>True when the ONNX file stored the big matrices as 16-bit floats.</summary>
    public bool StoredAsHalf { get; init; }

    /// <summary>Reads the decoder's initializers from <paramref name="onnxPath"/> (external data beside it).</summary>
    public static DecoderWeights Load(string onnxPath, DecoderArchitecture architecture)
    {
        var graph = new OnnxGraphIndex(OnnxModelReader.Read(onnxPath));
        if (graph.FirstOperator("MatMulNBits", "MatMulInteger", "DequantizeLinear", "QLinearMatMul", "GatherBlockQuantized") is { } op)
        {
            throw new ModelLoadException(
                $"{onnxPath}: quantised weights ({op}) are not supported by the ILGPU backend; {DecoderArchitecture.Supported}.");
        }

        var found = new Dictionary<(WeightRole, int), OnnxTensor>();
        foreach (var tensor in graph.Graph.Initializers.Values)
        {
            if (tensor.IsFloatingPoint && WeightNames.Classify(tensor, graph, architecture.LayerCount) is { } role)
            {
                if (!found.TryAdd(role, tensor))
                {
                    throw new ModelLoadException(
                        $"{onnxPath}: both '{found[role].Name}' and '{tensor.Name}' look like {role.Role} of layer {role.Layer}.");
                }
            }
        }

        return new WeightReader(onnxPath, architecture, graph, found).Read();
    }

    /// <summary>Random weights of the given shape (uniform, scaled so activations stay O(1)), for benchmarks.</summary>
    public static DecoderWeights Random(DecoderArchitecture a, int seed)
    {
        var random = new Random(seed);
        float[] Matrix(int rows, int columns)
        {
            var values = new float[(long)rows * columns];
            float scale = 1f / MathF.Sqrt(columns);
            for (long i = 0; i < values.LongLength; i++)
            {
                values[i] = ((random.NextSingle() * 2f) - 1f) * scale;
            }

            return values;
        }

        float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();
        var layers = new LayerWeights[a.LayerCount];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new LayerWeights
            {
                AttentionNorm = Ones(a.HiddenSize),
                QueryKeyValue = Matrix(a.QkvRows, a.HiddenSize),
                QueryKeyValueBias = a.ModelType == "qwen2" ? Matrix(1, a.QkvRows) : null,
                AttentionOutput = Matrix(a.HiddenSize, a.HeadCount * a.HeadSize),
                MlpNorm = Ones(a.HiddenSize),
                Gate = Matrix(a.IntermediateSize, a.HiddenSize),
                Up = Matrix(a.IntermediateSize, a.HiddenSize),
                Down = Matrix(a.HiddenSize, a.IntermediateSize),
            };
        }

        return new DecoderWeights
        {
            Architecture = a,
            Embedding = Matrix(a.VocabSize, a.HiddenSize),
            FinalNorm = Ones(a.HiddenSize),
            OutputHead = a.TieWordEmbeddings ? null : Matrix(a.VocabSize, a.HiddenSize),
            Layers = layers,
        };
    }
}
