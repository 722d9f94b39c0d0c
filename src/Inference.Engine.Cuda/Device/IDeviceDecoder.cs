namespace Inference.Engine.Cuda.Device;

/// <summary>The forward pass on a device, independent of how the weights are stored.</summary>
internal interface IDeviceDecoder : IDisposable
{
    /// <summary>Most tokens one <see cref="Forward"/> takes.</summary>
    int ChunkTokens { get; }

    /// <summary>Bytes of weights one forward pass reads (every matrix and vector once).</summary>
    long WeightBytes { get; }

    /// <summary>Describes the accelerator, for logs and benchmarks.</summary>
    string AcceleratorName { get; }

    /// <summary>
    /// Runs tokens through the model: token n is <c>tokens[n]</c> of the sequence in slot <c>slots[n]</c> at
    /// <c>positions[n]</c>; its key and value enter that slot's cache. For each local index in
    /// <paramref name="outputs"/>, the logits of that token go to logits row <paramref name="firstOutputRow"/> + i.
    /// </summary>
    void Forward(ReadOnlySpan<int> tokens, ReadOnlySpan<int> slots, ReadOnlySpan<int> positions, ReadOnlySpan<int> outputs, int firstOutputRow);

    /// <summary>The argmax of logits rows [0, rows), computed on the device; waits for the device.</summary>
    void ArgMax(int rows, Span<int> result);

    /// <summary>Most candidates per row <see cref="TopK"/> selects (at most the vocabulary size).</summary>
    int TopKCapacity { get; }

    /// <summary>The <see cref="TopKCapacity"/> best logits of rows [0, rows), selected on the device (by falling
    /// logit, ties to the lower id) and copied out row after row in no particular order within a row, with each
    /// row's log-sum-exp; waits for the device.</summary>
    void TopK(int rows, Span<int> ids, Span<float> logits, Span<float> logSumExps);

    /// <summary>Copies one logits row to the host; waits for the device.</summary>
    void CopyLogits(int row, Span<float> destination);
}
