namespace Inference.Engine;

/// <summary>A request the engine cannot serve because of what it asks; the message is safe to show the client.</summary>
public class InferenceRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InferenceRequestException(string message, string? param = null, Exception? inner = null)
        : base(message, inner) => Param = param;

    /// <summary>The request parameter at fault, in the OpenAI wire name (for example <c>messages</c>).</summary>
    public string? Param { get; }
}

/// <summary>The prompt plus the requested tokens do not fit the model's context.</summary>
public sealed class ContextLengthExceededException(string message, string? param = null)
    : InferenceRequestException(message, param);

/// <summary>The chat template refused the conversation (raise_exception) or failed to evaluate on it.</summary>
public sealed class ChatTemplateException(string message, Exception? inner = null)
    : InferenceRequestException(message, "messages", inner);

/// <summary>The model's queue is full; the caller should retry later.</summary>
public sealed class ModelOverloadedException(string message, TimeSpan retryAfter) : Exception(message)
{
    /// <summary>A hint for when to retry.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A model folder or model configuration that cannot be loaded; names the file and the problem.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : Exception(message, inner);
