using Inference.Engine.Sampling;

namespace Inference.Engine.Decoding;

/// <summary>
/// The logits of one step, valid until the backend's next call. Backends that run on a device answer
/// <see cref="ArgMax"/>, <see cref="TopK"/> and <see cref="LogSumExp"/> from device-side reductions and copy a full
/// row only when <see cref="Row"/> asks for it, so greedy and top-k sampled sequences, with or without
/// log-probabilities, move a few bytes per step instead of a vocabulary of floats.
/// </summary>
internal interface IStepLogits
{
    /// <summary>The first index of the largest logit of row <paramref name="row"/> (torch.argmax's tie rule).</summary>
    int ArgMax(int row);

    /// <summary>The full logits of row <paramref name="row"/>.</summary>
    ReadOnlySpan<float> Row(int row);

    /// <summary>The <c>top.Length</c> best candidates of row <paramref name="row"/>, best first (by falling logit,
    /// ties to the lower id); at most the vocabulary size.</summary>
    void TopK(int row, Span<TokenCandidate> top) => Sampling.TopK.Select(Row(row), top);

    /// <summary>log(sum(exp(logits))) over row <paramref name="row"/>: the log-softmax normaliser.</summary>
    float LogSumExp(int row) => Sampling.TopK.LogSumExp(Row(row));

    /// <summary>The logit of <paramref name="token"/> in row <paramref name="row"/>.</summary>
    float Logit(int row, int token) => Row(row)[token];
}
