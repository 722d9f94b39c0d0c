namespace Inference.Engine;

/// <summary>One input to embed: either text or pre-tokenized ids.</summary>
public sealed record EmbeddingInput
{
    /// <summary>Text to tokenize.</summary>
    public string? Text { get; init; }

    /// <summary>Token ids, used as given (the model adds nothing around them).</summary>
    public IReadOnlyList<int>? TokenIds { get; init; }
}

/// <summary>Vectors for a batch of inputs, in input order.</summary>
/// <param name="Vectors">One vector per input.</param>
/// <param name="PromptTokens">Tokens consumed over all inputs (special tokens included).</param>
public sealed record EmbeddingResult(IReadOnlyList<float[]> Vectors, int PromptTokens);

/// <summary>A loaded encoder model that turns text into vectors.</summary>
public interface IEmbeddingModel
{
    /// <summary>Public facts about the model.</summary>
    ModelInfo Info { get; }

    /// <summary>Length of the vectors.</summary>
    int Dimensions { get; }

    /// <summary>Most tokens one input may have, special tokens included. Longer inputs are refused with
    /// <see cref="ContextLengthExceededException"/>, never silently truncated.</summary>
    int MaxInputTokens { get; }

    /// <summary>Embeds a batch of inputs.</summary>
    Task<EmbeddingResult> EmbedAsync(IReadOnlyList<EmbeddingInput> inputs, CancellationToken cancellationToken);
}
