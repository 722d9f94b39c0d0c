using Inference.Engine.Onnx;

namespace Inference.Engine.Decoding;

/// <summary>
/// What the scheduler needs from a decoder: run prompts into per-sequence cache slots, then advance any set of
/// slots by one token each. The backend owns the attention cache and how it is laid out (ONNX Runtime: one
/// left-padded batch tensor regathered when rows change; the ILGPU backend: a preallocated device cache with one
/// region per slot). Not thread-safe: one scheduler thread drives it.
/// </summary>
internal interface IDecoderBackend : IDisposable
{
    /// <summary>Geometry, special ids and search defaults of the model.</summary>
    GenAiConfig Config { get; }

    /// <summary>Runs the prompts of newly admitted sequences and gives each a cache slot
    /// (<paramref name="slots"/>[r] for prompt r). Row r of the result is the logits after prompt r's last token.</summary>
    IStepLogits Prefill(IReadOnlyList<IReadOnlyList<int>> prompts, Span<int> slots);

    /// <summary>Feeds <paramref name="tokens"/>[r] to the sequence in <paramref name="slots"/>[r] at the next
    /// position of that slot. Row r of the result is that sequence's next-token logits.</summary>
    IStepLogits Decode(ReadOnlySpan<int> slots, ReadOnlySpan<int> tokens);

    /// <summary>Gives a slot back (the sequence finished, was cancelled or failed).</summary>
    void Release(int slot);
}
