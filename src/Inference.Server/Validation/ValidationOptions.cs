using System.ComponentModel.DataAnnotations;

namespace Inference.Server.Validation;

/// <summary>Request limits that are policy rather than protocol (configuration section <c>Inference:Validation</c>).</summary>
public sealed class ValidationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference:Validation";

    /// <summary>Most choices (n) one request may ask for: each is a sequence in the scheduler.</summary>
    [Range(1, 128)]
    public int MaxChoices { get; set; } = 8;

    /// <summary>Most inputs one embeddings request may carry (OpenAI allows 2048).</summary>
    [Range(1, 100_000)]
    public int MaxEmbeddingInputs { get; set; } = 2048;

    /// <summary>Most prompts one completions request may carry.</summary>
    [Range(1, 10_000)]
    public int MaxPrompts { get; set; } = 64;
}
