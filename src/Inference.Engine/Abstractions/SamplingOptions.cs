namespace Inference.Engine;

/// <summary>How the next token is chosen from the logits.</summary>
public sealed record SamplingOptions
{
    /// <summary>Greedy decoding: always the most likely token.</summary>
    public static SamplingOptions Greedy { get; } = new() { Temperature = 0f };

    /// <summary>0 means greedy; otherwise logits are divided by it before softmax.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 disables.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of tokens whose probability reaches p; 1 disables.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below min_p times the best one's; 0 disables.</summary>
    public float MinP { get; init; }

    /// <summary>Seed for the random source; the same seed gives the same output. Null: a random seed.</summary>
    public ulong? Seed { get; init; }

    /// <summary>OpenAI presence penalty (-2..2): subtracted once from every token already generated.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI frequency penalty (-2..2): subtracted once per occurrence in the generated tokens.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>transformers-style repetition penalty over prompt and generated tokens; 1 disables.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Added to the logits of the given token ids before sampling.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }
}
