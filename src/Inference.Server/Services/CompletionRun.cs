using Inference.Contracts.V1;

namespace Inference.Server.Services;

/// <summary>What one chat or text completion's response carries besides its choices, filled in as generation starts;
/// the stream's chunks and the unary answer read it alike.</summary>
internal sealed class CompletionRun
{
    public string Id { get; private set; } = "";

    public long Created { get; private set; }

    public string ModelId { get; private set; } = "";

    /// <summary>How many alternatives each token's logprobs carry, or null when logprobs were not asked for.</summary>
    public int? TopLogprobs { get; set; }

    public int PromptTokens { get; private set; }

    /// <summary>Generated tokens so far, per sequence.</summary>
    public int[] CompletionTokens { get; private set; } = [];

    /// <summary>Fills in what is known once the request is admitted: a fresh id with the response kind's prefix
    /// (<c>chatcmpl-</c>, <c>cmpl-</c>), the time, the model, the prompt's tokens and one counter per sequence.</summary>
    public void Begin(string idPrefix, TimeProvider clock, string modelId, int promptTokens, int sequences)
    {
        Id = ContractMapping.NewId(idPrefix);
        Created = clock.GetUtcNow().ToUnixTimeSeconds();
        ModelId = modelId;
        PromptTokens = promptTokens;
        CompletionTokens = new int[sequences];
    }

    public Usage Usage()
    {
        var completion = CompletionTokens.Sum();
        return new Usage { PromptTokens = PromptTokens, CompletionTokens = completion, TotalTokens = PromptTokens + completion };
    }
}
