using Inference.Engine.Cuda.Onnx;

namespace Inference.Engine.Cuda.Weights;

/// <summary>Turns classified initializers into <see cref="DecoderWeights"/>: checks every shape against the
/// architecture, lays matrices out [out, in] and stacks q/k/v.</summary>
internal sealed class WeightReader(
    string onnxPath, DecoderArchitecture architecture, OnnxGraphIndex graph, Dictionary<(WeightRole, int), OnnxTensor> found)
{
    private readonly string _folder = Path.GetDirectoryName(Path.GetFullPath(onnxPath))!;

    public DecoderWeights Read()
    {
        var a = architecture;
        int attention = a.HeadCount * a.HeadSize;
        int keyValue = a.KeyValueHeadCount * a.HeadSize;
        var layers = new LayerWeights[a.LayerCount];
        bool half = false;
        for (int l = 0; l < a.LayerCount; l++)
        {
            float[] qkv;
            float[]? bias;
            if (found.ContainsKey((WeightRole.QueryKeyValue, l)))
            {
                qkv = Matrix(WeightRole.QueryKeyValue, l, a.QkvRows, a.HiddenSize);
                bias = OptionalVector(WeightRole.QueryKeyValueBias, l, a.QkvRows);
            }
            else
            {
                qkv = [.. Matrix(WeightRole.Query, l, attention, a.HiddenSize),
                    .. Matrix(WeightRole.Key, l, keyValue, a.HiddenSize),
                    .. Matrix(WeightRole.Value, l, keyValue, a.HiddenSize)];
                var q = OptionalVector(WeightRole.QueryBias, l, attention);
                var k = OptionalVector(WeightRole.KeyBias, l, keyValue);
                var v = OptionalVector(WeightRole.ValueBias, l, keyValue);
                bias = q is null && k is null && v is null
                    ? null
                    : [.. q ?? new float[attention], .. k ?? new float[keyValue], .. v ?? new float[keyValue]];
            }

            half |= Tensor(WeightRole.Gate, l).DataType != OnnxTensor.Float;
            layers[l] = new LayerWeights
            {
                AttentionNorm = Vector(WeightRole.AttentionNorm, l, a.HiddenSize),
                QueryKeyValue = qkv,
                QueryKeyValueBias = bias,
                AttentionOutput = Matrix(WeightRole.AttentionOutput, l, a.HiddenSize, attention),
                MlpNorm = Vector(WeightRole.MlpNorm, l, a.HiddenSize),
                Gate = Matrix(WeightRole.Gate, l, a.IntermediateSize, a.HiddenSize),
                Up = Matrix(WeightRole.Up, l, a.IntermediateSize, a.HiddenSize),
                Down = Matrix(WeightRole.Down, l, a.HiddenSize, a.IntermediateSize),
            };
        }

        return new DecoderWeights
        {
            Architecture = a,
            Embedding = Matrix(WeightRole.Embedding, -1, a.VocabSize, a.HiddenSize),
            FinalNorm = Vector(WeightRole.FinalNorm, -1, a.HiddenSize),
            // A missing head is the tied case whatever config.json says: exporters drop the duplicate.
            OutputHead = found.ContainsKey((WeightRole.OutputHead, -1)) ? Matrix(WeightRole.OutputHead, -1, a.VocabSize, a.HiddenSize) : null,
            Layers = layers,
            StoredAsHalf = half,
        };
    }

    private OnnxTensor Tensor(WeightRole role, int layer) =>
        found.TryGetValue((role, layer), out var tensor)
            ? tensor
            : throw new ModelLoadException(
                $"{onnxPath}: no initializer was recognised as {role}{(layer >= 0 ? $" of layer {layer}" : "")}; " +
                $"{DecoderArchitecture.Supported}.");

    private float[] Vector(WeightRole role, int layer, int length)
    {
        var tensor = Tensor(role, layer);
        if (tensor.ElementCount != length)
        {
            throw Shape(tensor, $"[{length}]");
        }

        return tensor.ToFloats(_folder);
    }

    private float[]? OptionalVector(WeightRole role, int layer, int length) =>
        found.ContainsKey((role, layer)) ? Vector(role, layer, length) : null;

    /// <summary>The matrix as [rows = out, columns = in], transposed when the file stores it [in, out].</summary>
    private float[] Matrix(WeightRole role, int layer, int rows, int columns)
    {
        var tensor = Tensor(role, layer);
        if (tensor.Dims is not [var d0, var d1] || !((d0 == rows && d1 == columns) || (d0 == columns && d1 == rows)))
        {
            throw Shape(tensor, $"[{rows}, {columns}] or [{columns}, {rows}]");
        }

        bool outByIn;
        if (rows != columns)
        {
            outByIn = d0 == rows;
        }
        else
        {
            outByIn = role == WeightRole.Embedding || (graph.IsStoredOutByIn(tensor.Name)
                ?? throw new ModelLoadException(
                    $"{onnxPath}: cannot tell from the graph whether the square matrix '{tensor.Name}' is stored [out, in] or [in, out]."));
        }

        var values = tensor.ToFloats(_folder);
        return outByIn ? values : Transpose(values, columns, rows);
    }

    private static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[((long)c * rows) + r] = values[((long)r * columns) + c];
            }
        }

        return result;
    }

    private ModelLoadException Shape(OnnxTensor tensor, string expected) =>
        new($"{onnxPath}: initializer '{tensor.Name}' has shape [{string.Join(", ", tensor.Dims)}]; the architecture needs {expected}.");
}
