namespace Inference.Engine.Cuda.Onnx;

/// <summary>Who uses each value in a graph: enough to tell how a weight matrix is laid out and, for anonymous
/// initializers, which module it belongs to.</summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, List<OnnxNode>> _consumers = new(StringComparer.Ordinal);

    public OnnxGraphIndex(OnnxGraph graph)
    {
        Graph = graph;
        foreach (var node in graph.Nodes)
        {
            foreach (string input in node.Inputs)
            {
                if (!_consumers.TryGetValue(input, out var list))
                {
                    _consumers[input] = list = [];
                }

                list.Add(node);
            }
        }
    }

    public OnnxGraph Graph { get; }

    /// <summary>Whether any node has one of these operator types (quantised matmuls, for instance).</summary>
    public string? FirstOperator(params string[] opTypes) =>
        Graph.Nodes.FirstOrDefault(n => opTypes.Contains(n.OpType, StringComparer.Ordinal))?.OpType;

    /// <summary>The name of the first node that consumes <paramref name="value"/> past casts and transposes.</summary>
    public string? ConsumerName(string value) => Consumer(value)?.Name;

    /// <summary>
    /// True when the matrix is stored [out, in] (PyTorch's Linear layout: used through Transpose, or Gemm with
    /// transB = 1), false when stored [in, out] (MatMul's B as is), null when the graph does not say.
    /// </summary>
    public bool? IsStoredOutByIn(string initializer)
    {
        string value = initializer;
        bool transposed = false;
        for (int hop = 0; hop < 4; hop++)
        {
            if (!_consumers.TryGetValue(value, out var nodes) || nodes.Count == 0)
            {
                return null;
            }

            var node = nodes[0];
            switch (node.OpType)
            {
                case "Transpose" when node.IntAttributes.TryGetValue("perm", out var perm) && perm is [1, 0]:
                    transposed = !transposed;
                    value = node.Outputs[0];
                    continue;
                case "Cast" or "Identity":
                    value = node.Outputs[0];
                    continue;
                case "MatMul" when node.Inputs.Count > 1 && node.Inputs[1] == value:
                    return transposed;
                case "Gemm" when node.Inputs.Count > 1 && node.Inputs[1] == value:
                    bool transB = node.IntAttributes.TryGetValue("transB", out var t) && t is [1];
                    return transB != transposed;
                default:
                    return null;
            }
        }

        return null;
    }

    private OnnxNode? Consumer(string value)
    {
        for (int hop = 0; hop < 4; hop++)
        {
            if (!_consumers.TryGetValue(value, out var nodes) || nodes.Count == 0)
            {
                return null;
            }

            var node = nodes[0];
            if (node.OpType is not ("Transpose" or "Cast" or "Identity"))
            {
                return node;
            }

            value = node.Outputs[0];
        }

        return null;
    }
}
