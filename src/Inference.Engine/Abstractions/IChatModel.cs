namespace Inference.Engine;

/// <summary>A loaded text-generation model: tokenizer, chat template and a scheduler over its ONNX session.</summary>
public interface IChatModel
{
    /// <summary>Public facts about the model.</summary>
    ModelInfo Info { get; }

    /// <summary>Encodes text to token ids as the model's tokenizer does (no special tokens added; special-token
    /// strings inside the text are parsed as special tokens).</summary>
    IReadOnlyList<int> Tokenize(string text);

    /// <summary>Decodes token ids to text.</summary>
    string Detokenize(IReadOnlyList<int> tokenIds, bool skipSpecialTokens = false);

    /// <summary>Renders a conversation through the model's chat template.</summary>
    /// <param name="messages">The conversation.</param>
    /// <param name="tools">OpenAI function tool definitions as plain values (dictionaries, lists, strings,
    /// numbers, booleans), or null when the request has none.</param>
    /// <param name="addGenerationPrompt">Whether to open an assistant turn at the end.</param>
    /// <exception cref="ChatTemplateException">The template refused or failed on this conversation.</exception>
    string RenderChat(IReadOnlyList<ChatMessage> messages, IReadOnlyList<object?>? tools, bool addGenerationPrompt);

    /// <summary>Generates one sequence, yielding an event per generated token; the last carries the finish
    /// reason. Cancelling the token drops the sequence and frees its cache.</summary>
    /// <exception cref="ContextLengthExceededException">The prompt plus max tokens exceed the context.</exception>
    /// <exception cref="ModelOverloadedException">The model's queue is full.</exception>
    IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken);
}
