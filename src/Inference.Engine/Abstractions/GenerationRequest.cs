namespace Inference.Engine;

/// <summary>One sequence to generate: a tokenized prompt and how to continue it.</summary>
public sealed record GenerationRequest
{
    /// <summary>The prompt, already tokenized (chat template applied where relevant).</summary>
    public required IReadOnlyList<int> PromptTokens { get; init; }

    /// <summary>Most new tokens to generate; reaching it finishes with <see cref="FinishReason.Length"/>.</summary>
    public required int MaxNewTokens { get; init; }

    /// <summary>Sampling settings.</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.Greedy;

    /// <summary>Strings that end generation when produced; they are never emitted.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>How many most likely alternatives to report per token (0..20); null: no logprobs at all.</summary>
    public int? TopLogProbs { get; init; }
}
