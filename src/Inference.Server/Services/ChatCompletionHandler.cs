using System.Runtime.CompilerServices;
using System.Text;
using FluentValidation;
using Google.Protobuf.WellKnownTypes;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Server.Auth;
using Inference.Server.Validation;
using EngineChatMessage = Inference.Engine.ChatMessage;
using EngineToolCall = Inference.Engine.ToolCall;
using WireChatMessage = Inference.Contracts.V1.ChatMessage;

namespace Inference.Server.Services;

/// <summary>
/// Chat completions, once for every face: the gRPC streaming RPC and the SSE adapter enumerate
/// <see cref="StreamAsync"/>; the unary RPC (and so transcoded REST) drains the same generation into one response.
/// </summary>
internal sealed class ChatCompletionHandler(ModelResolver models, IValidator<ChatCompleteRequest> validator, TimeProvider clock)
{
    public async IAsyncEnumerable<ChatCompletionChunk> StreamAsync(
        ChatCompleteRequest request, CallerAccess access, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = new CompletionRun();
        await using (var steps = await StartAsync(request, access, run, cancellationToken).ConfigureAwait(false))
        {
            while (await steps.MoveNextAsync().ConfigureAwait(false))
            {
                yield return ToChunk(steps.Current, run);
            }
        }

        if (request.StreamOptions?.IncludeUsage == true)
        {
            var usage = NewChunk(run);
            usage.Usage = run.Usage();
            yield return usage;
        }
    }

    /// <summary>The unary answer, from the same generation the stream is made of: the events' text appended per
    /// choice, without building a chunk message for every token.</summary>
    public async Task<ChatCompleteResponse> CompleteAsync(ChatCompleteRequest request, CallerAccess access, CancellationToken cancellationToken)
    {
        var run = new CompletionRun();
        var choices = new List<(ChatChoice Choice, StringBuilder Text)>(1);
        await using (var steps = await StartAsync(request, access, run, cancellationToken).ConfigureAwait(false))
        {
            while (await steps.MoveNextAsync().ConfigureAwait(false))
            {
                Append(choices, steps.Current, run);
            }
        }

        var response = new ChatCompleteResponse
        {
            Id = run.Id,
            Object = "chat.completion",
            Created = run.Created,
            Model = run.ModelId,
            SystemFingerprint = ContractMapping.SystemFingerprint,
            Usage = run.Usage(),
        };
        // Exactly as many choices as there are: a repeated field's first Add makes room for eight.
        response.Choices.Capacity = choices.Count;
        foreach (var (choice, text) in choices)
        {
            choice.Message.Content = TextBuilders.ToStringAndGiveBack(text);
            response.Choices.Add(choice);
        }

        return response;
    }

    /// <summary>One step as a stream chunk: the role on each choice's first, then its text, logprobs and finish.</summary>
    private static ChatCompletionChunk ToChunk(ChoiceStep step, CompletionRun run)
    {
        var choice = new ChatChunkChoice { Index = step.Index, Delta = new ChatCompletionDelta { Content = step.Event.TextDelta } };
        if (step.First)
        {
            choice.Delta.Role = "assistant";
        }

        if (run.TopLogprobs is not null && step.Event.LogProbs is not null)
        {
            choice.Logprobs = new ChatLogprobs { Content = { ToWire(step.Event.LogProbs) } };
        }

        if (step.Event.FinishReason is { } reason)
        {
            choice.FinishReason = ContractMapping.FinishReason(reason);
        }

        var chunk = NewChunk(run);
        chunk.Choices.Capacity = 1; // one choice per chunk; the first Add would make room for eight
        chunk.Choices.Add(choice);
        return chunk;
    }

    /// <summary>Adds one step to its choice of the unary answer.</summary>
    private static void Append(List<(ChatChoice Choice, StringBuilder Text)> choices, ChoiceStep step, CompletionRun run)
    {
        while (choices.Count <= step.Index)
        {
            var message = new ChatCompletionMessage { Role = "assistant" };
            choices.Add((new ChatChoice { Index = choices.Count, Message = message }, TextBuilders.Take()));
        }

        var (choice, text) = choices[step.Index];
        text.Append(step.Event.TextDelta);
        if (run.TopLogprobs is not null && step.Event.LogProbs is not null)
        {
            (choice.Logprobs ??= new ChatLogprobs()).Content.Add(ToWire(step.Event.LogProbs));
        }

        if (step.Event.FinishReason is { } reason)
        {
            choice.FinishReason = ContractMapping.FinishReason(reason);
        }
    }

    private static ChatCompletionChunk NewChunk(CompletionRun run) => new()
    {
        Id = run.Id,
        Object = "chat.completion.chunk",
        Created = run.Created,
        Model = run.ModelId,
        SystemFingerprint = ContractMapping.SystemFingerprint,
    };

    /// <summary>
    /// The one generation behind both shapes: validates, checks the key, renders and tokenizes, admits the request
    /// against the key's limits and starts the n sequences, whose steps worth sending (the first of each choice, then
    /// any with text, logprobs or a finish reason) the caller reads from the result and then disposes of.
    /// <paramref name="run"/> receives the response's id, model and token counts as they become known.
    /// </summary>
    private async ValueTask<ChoiceSteps> StartAsync(
        ChatCompleteRequest request, CallerAccess access, CompletionRun run, CancellationToken cancellationToken)
    {
        RequestValidation.ThrowIfInvalid(validator, request);
        access.RequireModel(request.Model);
        var model = models.Chat(request.Model);
        var prompt = model.Tokenize(model.RenderChat(ToEngine(request.Messages), Tools(request), addGenerationPrompt: true));
        int? requested = request.HasMaxCompletionTokens ? request.MaxCompletionTokens : request.HasMaxTokens ? request.MaxTokens : null;
        var maxNewTokens = ContractMapping.MaxNewTokens(prompt.Count, requested, model.Info.ContextLength, "messages");
        var n = request.HasN ? request.N : 1;
        var stop = ContractMapping.StopSequences(request.Stop);
        var logitBias = ContractMapping.LogitBias(request.LogitBias);
        int? topLogprobs = request.Logprobs ? (request.HasTopLogprobs ? request.TopLogprobs : 0) : null;
        var sequences = new GenerationRequest[n];
        for (var i = 0; i < n; i++)
        {
            sequences[i] = new GenerationRequest
            {
                PromptTokens = prompt,
                MaxNewTokens = maxNewTokens,
                StopSequences = stop,
                TopLogProbs = topLogprobs,
                Sampling = ContractMapping.Sampling(request, logitBias, i),
            };
        }

        // Admitted at the most the request may use; corrected to what it used when the steps are disposed, without
        // holding the answer back for a shared limit store (RateLimitLease.Dispose).
        var lease = await access.AdmitAsync(prompt.Count + (maxNewTokens * n), cancellationToken).ConfigureAwait(false);
        run.Begin("chatcmpl-", clock, model.Info.Id, prompt.Count, n);
        run.TopLogprobs = topLogprobs;
        return ChoiceSteps.Start(model, sequences, lease, run, keepFirst: true, cancellationToken);
    }

    private static TokenLogprob ToWire(TokenLogProbs logProbs)
    {
        var wire = new TokenLogprob { Token = logProbs.Token.Text, Logprob = logProbs.Token.LogProb };
        foreach (var b in logProbs.Token.Bytes)
        {
            wire.Bytes.Add(b);
        }

        foreach (var top in logProbs.Top)
        {
            var alternative = new TopLogprob { Token = top.Text, Logprob = top.LogProb };
            foreach (var b in top.Bytes)
            {
                alternative.Bytes.Add(b);
            }

            wire.TopLogprobs.Add(alternative);
        }

        return wire;
    }

    /// <summary>The conversation as the engine's chat template sees it.</summary>
    internal static List<EngineChatMessage> ToEngine(IReadOnlyList<WireChatMessage> messages)
    {
        var result = new List<EngineChatMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            // Templates predate OpenAI's "developer" role; it means what "system" means to them.
            var role = message.Role == "developer" ? "system" : message.Role;
            result.Add(new EngineChatMessage(role, Text(message.Content))
            {
                Name = string.IsNullOrEmpty(message.Name) ? null : message.Name,
                ToolCallId = string.IsNullOrEmpty(message.ToolCallId) ? null : message.ToolCallId,
                ToolCalls = message.ToolCalls.Count == 0
                    ? null
                    : [.. message.ToolCalls.Select(c => new EngineToolCall(c.Id, c.Function?.Name ?? "", c.Function?.Arguments ?? ""))],
            });
        }

        return result;
    }

    /// <summary>Content as text: a string, or text parts joined by newlines as vLLM joins them. The validator has
    /// refused every other part type.</summary>
    private static string? Text(Value? content) => content?.KindCase switch
    {
        Value.KindOneofCase.StringValue => content.StringValue,
        Value.KindOneofCase.ListValue => string.Join('\n', content.ListValue.Values.Select(p => p.StructValue.Fields["text"].StringValue)),
        _ => null,
    };

    private static List<object?>? Tools(ChatCompleteRequest request)
    {
        if (request.Tools.Count == 0 || request.ToolChoice is { KindCase: Value.KindOneofCase.StringValue, StringValue: "none" })
        {
            return null;
        }

        var tools = new List<object?>(request.Tools.Count);
        foreach (var tool in request.Tools)
        {
            var function = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = tool.Function.Name };
            if (tool.Function.Description.Length > 0)
            {
                function["description"] = tool.Function.Description;
            }

            if (tool.Function.Parameters is not null)
            {
                function["parameters"] = ContractMapping.ToPlain(tool.Function.Parameters);
            }

            tools.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["type"] = "function", ["function"] = function });
        }

        return tools;
    }
}
