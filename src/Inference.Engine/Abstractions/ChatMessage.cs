namespace Inference.Engine;

/// <summary>One message of a conversation, as the chat template sees it.</summary>
/// <param name="Role">system, user, assistant or tool.</param>
/// <param name="Content">The text, or null (an assistant message that only calls tools).</param>
public sealed record ChatMessage(string Role, string? Content)
{
    /// <summary>Optional author name.</summary>
    public string? Name { get; init; }

    /// <summary>Tool calls made by an assistant message.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>For a tool message: the call it answers.</summary>
    public string? ToolCallId { get; init; }
}

/// <summary>A function call made by the assistant.</summary>
/// <param name="Id">The call id.</param>
/// <param name="Name">The function name.</param>
/// <param name="Arguments">
/// The arguments as given on the wire (a JSON string). Templates receive them decoded into an object when they
/// parse as a JSON object, as vLLM does, because most published templates were written for that shape.
/// </param>
public sealed record ToolCall(string Id, string Name, string Arguments);
