namespace Inference.Engine.Cuda.Weights;

/// <summary>One decoder layer's weights on the host, matrices row-major [out, in].</summary>
internal sealed class LayerWeights
{
    public required float[] AttentionNorm { get; init; }

    /// <summary>q, k and v projections stacked: [(heads + 2 * kv heads) * head, hidden].</summary>
    public required float[] QueryKeyValue { get; init; }

    /// <summary>q, k and v biases stacked, or null when the model has none (Llama).</summary>
    public required float[]? QueryKeyValueBias { get; init; }

    public required float[] AttentionOutput { get; init; }

    public required float[] MlpNorm { get; init; }

    public required float[] Gate { get; init; }

    public required float[] Up { get; init; }

    public required float[] Down { get; init; }
}
