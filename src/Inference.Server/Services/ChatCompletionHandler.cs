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
/// <see cref="StreamAsync"/>; the unary RPC (and so transcoded REST) drains the same stream.
/// </summary>
internal sealed class ChatCompletionHandler(ModelResolver models, IValidator<ChatCompleteRequest> validator, TimeProvider clock)
{
    public IAsyncEnumerable<ChatCompletionChunk> StreamAsync(ChatCompleteRequest request, CallerAccess access, CancellationToken cancellationToken) =>
        StreamCoreAsync(request, access, request.StreamOptions?.IncludeUsage == true, cancellationToken);

    public async Task<ChatCompleteResponse> CompleteAsync(ChatCompleteRequest request, CallerAccess access, CancellationToken cancellationToken)
    {
        var response = new ChatCompleteResponse { Object = "chat.completion", SystemFingerprint = ContractMapping.SystemFingerprint };
        var texts = new List<StringBuilder>();
        await foreach (var chunk in StreamCoreAsync(request, access, includeUsage: true, cancellationToken).ConfigureAwait(false))
        {
            response.Id = chunk.Id;
            response.Created = chunk.Created;
            response.Model = chunk.Model;
            if (chunk.Usage is not null)
            {
                response.Usage = chunk.Usage;
            }

            foreach (var delta in chunk.Choices)
            {
                while (response.Choices.Count <= delta.Index)
                {
                    response.Choices.Add(new ChatChoice
                    {
                        Index = response.Choices.Count,
                        Message = new ChatCompletionMessage { Role = "assistant" },
                    });
                    texts.Add(new StringBuilder());
                }

                var choice = response.Choices[delta.Index];
                texts[delta.Index].Append(delta.Delta.Content);
                if (delta.Logprobs is not null)
                {
                    (choice.Logprobs ??= new ChatLogprobs()).Content.Add(delta.Logprobs.Content);
                }

                if (delta.HasFinishReason)
                {
                    choice.FinishReason = delta.FinishReason;
                }
            }
        }

        for (var i = 0; i < texts.Count; i++)
        {
            response.Choices[i].Message.Content = texts[i].ToString();
        }

        return response;
    }

    private async IAsyncEnumerable<ChatCompletionChunk> StreamCoreAsync(
        ChatCompleteRequest request, CallerAccess access, bool includeUsage, [EnumeratorCancellation] CancellationToken cancellationToken)
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
                Sampling = new SamplingOptions
                {
                    Temperature = request.HasTemperature ? request.Temperature : 1f,
                    TopP = request.HasTopP ? request.TopP : 1f,
                    TopK = request.HasTopK ? request.TopK : 0,
                    MinP = request.HasMinP ? request.MinP : 0f,
                    Seed = ContractMapping.Seed(request.HasSeed, request.Seed, i),
                    PresencePenalty = request.PresencePenalty,
                    FrequencyPenalty = request.FrequencyPenalty,
                    RepetitionPenalty = request.HasRepetitionPenalty ? request.RepetitionPenalty : 1f,
                    LogitBias = logitBias,
                },
            };
        }

        // Admitted at the most the request may use; corrected to what it used when the lease ends.
        await using var lease = await access.AdmitAsync(prompt.Count + (maxNewTokens * n), cancellationToken).ConfigureAwait(false);
        var id = ContractMapping.NewId("chatcmpl-");
        var created = clock.GetUtcNow().ToUnixTimeSeconds();
        var modelId = model.Info.Id;
        var started = new bool[n];
        var completionTokens = new int[n];
        try
        {
            await foreach (var (index, step) in SequenceMerger.MergeAsync(model, sequences, cancellationToken).ConfigureAwait(false))
            {
                completionTokens[index] = step.CompletionTokens;
                var first = !started[index];
                if (!first && step.TextDelta.Length == 0 && step.FinishReason is null && step.LogProbs is null)
                {
                    continue;
                }

                started[index] = true;
                var choice = new ChatChunkChoice { Index = index, Delta = new ChatCompletionDelta { Content = step.TextDelta } };
                if (first)
                {
                    choice.Delta.Role = "assistant";
                }

                if (topLogprobs is not null && step.LogProbs is not null)
                {
                    choice.Logprobs = new ChatLogprobs { Content = { ToWire(step.LogProbs) } };
                }

                if (step.FinishReason is { } reason)
                {
                    choice.FinishReason = ContractMapping.FinishReason(reason);
                }

                yield return new ChatCompletionChunk
                {
                    Id = id,
                    Object = "chat.completion.chunk",
                    Created = created,
                    Model = modelId,
                    SystemFingerprint = ContractMapping.SystemFingerprint,
                    Choices = { choice },
                };
            }
        }
        finally
        {
            lease.ReportUsage(prompt.Count + completionTokens.Sum());
        }

        if (includeUsage)
        {
            var completion = completionTokens.Sum();
            yield return new ChatCompletionChunk
            {
                Id = id,
                Object = "chat.completion.chunk",
                Created = created,
                Model = modelId,
                SystemFingerprint = ContractMapping.SystemFingerprint,
                Usage = new Usage { PromptTokens = prompt.Count, CompletionTokens = completion, TotalTokens = prompt.Count + completion },
            };
        }
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
        foreach (var message in messages)
        {
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
