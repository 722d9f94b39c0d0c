namespace Inference.Engine.Models;

/// <summary>
/// Settings of a synthetic chat model: no weights, deterministic text at a chosen pace. It measures the service's
/// own overhead without model compute, and lets users load-test their clients against a predictable server.
/// </summary>
public sealed class SyntheticOptions
{
    /// <summary>Tokens per second per sequence; 0 generates as fast as the caller reads.</summary>
    public double TokensPerSecond { get; set; }

    /// <summary>The context length the model reports and enforces.</summary>
    public int ContextLength { get; set; } = 4096;

    /// <summary>Most sequences generating at once; one more is refused as overloaded.</summary>
    public int MaxConcurrentSequences { get; set; } = 1024;
}
