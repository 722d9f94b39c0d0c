using Inference.Contracts.V1;

namespace Inference.Server.Services;

/// <summary>What one chat or text completion's response carries besides its choices, filled in as generation starts;
/// the stream's chunks and the unary answer read it alike.</summary>
internal sealed class CompletionRun
{
    public string Id { get; set; } = "";

    public long Created { get; set; }

    public string ModelId { get; set; } = "";

    /// <summary>How many alternatives each token's logprobs carry (chat), or null when logprobs were not asked for.</summary>
    public int? TopLogprobs { get; set; }

    public int PromptTokens { get; set; }

    /// <summary>Generated tokens so far, per sequence.</summary>
    public int[] CompletionTokens { get; set; } = [];

    public Usage Usage()
    {
        var completion = CompletionTokens.Sum();
        return new Usage { PromptTokens = PromptTokens, CompletionTokens = completion, TotalTokens = PromptTokens + completion };
    }
}
