using System.Text.Json;
using Inference.Engine.Decoding;
using Inference.Engine.Onnx;
using Inference.Engine.Scheduling;
using Inference.Engine.Templates;
using Inference.Engine.Tokenization;

namespace Inference.Engine.Models;

/// <summary>A decoder model folder brought to life: tokenizer, chat template and a batching scheduler.</summary>
internal sealed class ChatModel : IChatModel, IDisposable
{
    private readonly ITokenizer _tokenizer;
    private readonly TokenizerConfig _tokenizerConfig;
    private readonly ChatTemplate? _chatTemplate;
    private readonly IDecoderBackend _decoder;
    private readonly TimeProvider _clock;

    private ChatModel(
        ModelInfo info, ITokenizer tokenizer, TokenizerConfig tokenizerConfig, ChatTemplate? chatTemplate,
        IDecoderBackend decoder, SchedulerOptions schedulerOptions, TimeProvider clock)
    {
        Info = info;
        _tokenizer = tokenizer;
        _tokenizerConfig = tokenizerConfig;
        _chatTemplate = chatTemplate;
        _decoder = decoder;
        _clock = clock;
        Scheduler = new DecodeScheduler(decoder, tokenizer, schedulerOptions, info.Id);
    }

    public ModelInfo Info { get; }

    internal DecodeScheduler Scheduler { get; }

    internal IDecoderBackend Decoder => _decoder;

    internal ITokenizer Tokenizer => _tokenizer;

    public static ChatModel Load(ModelDefinition definition, TimeProvider clock, IDecoderBackendFactory? backends)
    {
        string folder = definition.Path;
        var config = GenAiConfig.Load(System.IO.Path.Combine(folder, "genai_config.json"));
        var tokenizer = ByteLevelBpeTokenizer.FromTokenizerJson(System.IO.Path.Combine(folder, "tokenizer.json"));
        var tokenizerConfig = TokenizerConfig.Load(folder);
        ChatTemplate? template = null;
        if (tokenizerConfig.ChatTemplate is { } source)
        {
            try
            {
                template = ChatTemplate.Parse(source);
            }
            catch (TemplateSyntaxException e)
            {
                throw new ModelLoadException($"{folder}: the chat template does not parse ({e.Message}).", e);
            }
        }

        var decoder = CreateBackend(config, definition, backends);
        var info = new ModelInfo(
            definition.Id, ModelKind.Chat, config.ContextLength, clock.GetUtcNow().ToUnixTimeSeconds(),
            definition.OwnedBy, [.. definition.Aliases]);
        return new ChatModel(info, tokenizer, tokenizerConfig, template, decoder, definition.Scheduler, clock);
    }

    private static IDecoderBackend CreateBackend(GenAiConfig config, ModelDefinition definition, IDecoderBackendFactory? backends)
    {
        if (definition.ExecutionProvider == ExecutionProvider.Cpu)
        {
            return new OnnxDecoderBackend(
                new DecoderSession(config, definition.Path, definition.ExecutionProvider, definition.IntraOpThreads));
        }

        if (backends is null || !backends.Serves(definition.ExecutionProvider))
        {
            // Never fall back to the CPU silently: a user who asked for a GPU must learn that it is not used.
            throw new ModelLoadException(
                $"Model '{definition.Id}': the execution provider '{definition.ExecutionProvider}' needs the ILGPU backend " +
                "(Inference.Engine.Cuda), which this host did not register.");
        }

        return backends.Create(config, definition);
    }

    public IReadOnlyList<int> Tokenize(string text) => _tokenizer.Encode(text);

    public string Detokenize(IReadOnlyList<int> tokenIds, bool skipSpecialTokens = false)
    {
        foreach (int id in tokenIds)
        {
            if ((uint)id >= (uint)_decoder.Config.VocabSize)
            {
                throw new InferenceRequestException(
                    $"Token id {id} is outside the vocabulary (0..{_decoder.Config.VocabSize - 1}).", "tokens");
            }
        }

        return _tokenizer.Decode(tokenIds, skipSpecialTokens);
    }

    public string RenderChat(IReadOnlyList<ChatMessage> messages, IReadOnlyList<object?>? tools, bool addGenerationPrompt)
    {
        if (_chatTemplate is null)
        {
            throw new ChatTemplateException(
                $"Model '{Info.Id}' has no chat template; use the completions endpoint with a plain prompt.");
        }

        var variables = new Dictionary<string, object?>
        {
            ["messages"] = messages.Select(ToTemplateValue).ToList(),
            // transformers passes tools=None when there are none: defined, and none.
            ["tools"] = tools,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        if (_tokenizerConfig.BosToken is { } bos)
        {
            variables["bos_token"] = bos;
        }

        if (_tokenizerConfig.EosToken is { } eos)
        {
            variables["eos_token"] = eos;
        }

        try
        {
            return _chatTemplate.Render(variables, _clock);
        }
        catch (TemplateRaisedException e)
        {
            throw new ChatTemplateException(e.Message, e);
        }
        catch (TemplateEvaluationException e)
        {
            throw new ChatTemplateException($"The chat template cannot render this conversation: {e.Message}", e);
        }
    }

    public IAsyncEnumerable<GenerationEvent> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken) =>
        Scheduler.Submit(request, cancellationToken);

    private static Dictionary<string, object?> ToTemplateValue(ChatMessage message)
    {
        var value = new Dictionary<string, object?>
        {
            ["role"] = message.Role,
            ["content"] = message.Content,
        };
        if (message.Name is { } name)
        {
            value["name"] = name;
        }

        if (message.ToolCalls is { Count: > 0 } calls)
        {
            value["tool_calls"] = calls.Select(call => (object?)new Dictionary<string, object?>
            {
                ["id"] = call.Id,
                ["type"] = "function",
                ["function"] = new Dictionary<string, object?>
                {
                    ["name"] = call.Name,
                    ["arguments"] = DecodeArguments(call.Arguments),
                },
            }).ToList();
        }

        if (message.ToolCallId is { } callId)
        {
            value["tool_call_id"] = callId;
        }

        return value;
    }

    /// <summary>
    /// Most published templates iterate or print tool arguments as an object, while the OpenAI wire carries a JSON
    /// string; like vLLM, hand the template the object when the string is a JSON object.
    /// </summary>
    private static object? DecodeArguments(string arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.ValueKind == JsonValueKind.Object ? PlainValue.From(document.RootElement) : arguments;
        }
        catch (JsonException)
        {
            return arguments;
        }
    }

    public void Dispose()
    {
        Scheduler.Dispose();
        _decoder.Dispose();
    }
}
