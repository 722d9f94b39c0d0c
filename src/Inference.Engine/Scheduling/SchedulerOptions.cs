namespace Inference.Engine.Scheduling;

/// <summary>How a model's scheduler batches and queues sequences.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Most sequences decoded together in one step.</summary>
    public int MaxBatchSize { get; init; } = 16;

    /// <summary>Most requests waiting to join a full batch: with <see cref="MaxBatchSize"/> running and this many
    /// waiting, one more is refused as overloaded at once. A burst while the batch has free slots waits for them.</summary>
    public int MaxQueuedRequests { get; init; } = 64;

    /// <summary>Prompt tokens prefilled in one step before decoding resumes (a longer single prompt still runs
    /// alone), so that joining requests do not stall running streams for long.</summary>
    public int MaxPrefillTokensPerStep { get; init; } = 2048;

    /// <summary>What the overloaded error tells clients to wait before retrying.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);
}
