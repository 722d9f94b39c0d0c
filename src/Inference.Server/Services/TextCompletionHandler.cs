using System.Runtime.CompilerServices;
using System.Text;
using FluentValidation;
using Google.Protobuf.WellKnownTypes;
using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Server.Auth;
using Inference.Server.Validation;

namespace Inference.Server.Services;

/// <summary>
/// Text completions (OpenAI's legacy API), once for every face: streamed by <see cref="StreamAsync"/>, drained by
/// <see cref="CompleteAsync"/>. Each prompt gets n choices, numbered prompt by prompt.
/// </summary>
internal sealed class TextCompletionHandler(ModelResolver models, IValidator<CompleteRequest> validator, TimeProvider clock)
{
    /// <summary>OpenAI's default when max_tokens is not given.</summary>
    private const int DefaultMaxTokens = 16;

    public IAsyncEnumerable<CompleteResponse> StreamAsync(CompleteRequest request, CallerAccess access, CancellationToken cancellationToken) =>
        StreamCoreAsync(request, access, request.StreamOptions?.IncludeUsage == true, cancellationToken);

    public async Task<CompleteResponse> CompleteAsync(CompleteRequest request, CallerAccess access, CancellationToken cancellationToken)
    {
        var response = new CompleteResponse { Object = "text_completion", SystemFingerprint = ContractMapping.SystemFingerprint };
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
                    response.Choices.Add(new CompletionChoice { Index = response.Choices.Count });
                    texts.Add(new StringBuilder());
                }

                var choice = response.Choices[delta.Index];
                var offset = texts[delta.Index].Length;
                texts[delta.Index].Append(delta.Text);
                if (delta.Logprobs is not null)
                {
                    var logprobs = choice.Logprobs ??= new CompletionLogprobs();
                    logprobs.Tokens.Add(delta.Logprobs.Tokens);
                    logprobs.TokenLogprobs.Add(delta.Logprobs.TokenLogprobs);
                    logprobs.TopLogprobs.Add(delta.Logprobs.TopLogprobs);
                    logprobs.TextOffset.Add(delta.Logprobs.TextOffset.Select(o => o + offset));
                }

                if (delta.HasFinishReason)
                {
                    choice.FinishReason = delta.FinishReason;
                }
            }
        }

        for (var i = 0; i < texts.Count; i++)
        {
            response.Choices[i].Text = texts[i].ToString();
        }

        return response;
    }

    private async IAsyncEnumerable<CompleteResponse> StreamCoreAsync(
        CompleteRequest request, CallerAccess access, bool includeUsage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RequestValidation.ThrowIfInvalid(validator, request);
        access.RequireModel(request.Model);
        var model = models.Chat(request.Model);
        var prompts = Prompts(model, request.Prompt);
        var n = request.HasN ? request.N : 1;
        var stop = ContractMapping.StopSequences(request.Stop);
        var logitBias = ContractMapping.LogitBias(request.LogitBias);
        int? topLogprobs = request.HasLogprobs ? request.Logprobs : null;
        var sequences = new GenerationRequest[prompts.Count * n];
        var promptTokens = 0;
        var admittedTokens = 0;
        for (var p = 0; p < prompts.Count; p++)
        {
            promptTokens += prompts[p].Count;
            var maxNewTokens = ContractMapping.MaxNewTokens(
                prompts[p].Count, request.HasMaxTokens ? request.MaxTokens : DefaultMaxTokens, model.Info.ContextLength, "prompt");
            admittedTokens += prompts[p].Count + (maxNewTokens * n);
            for (var i = 0; i < n; i++)
            {
                sequences[(p * n) + i] = new GenerationRequest
                {
                    PromptTokens = prompts[p],
                    MaxNewTokens = maxNewTokens,
                    StopSequences = stop,
                    TopLogProbs = topLogprobs,
                    Sampling = ContractMapping.Sampling(request, logitBias, i),
                };
            }
        }

        // Admitted at the most the request may use; corrected to what it used when the lease ends.
        using var lease = await access.AdmitAsync(admittedTokens, cancellationToken).ConfigureAwait(false);
        var id = ContractMapping.NewId("cmpl-");
        var created = clock.GetUtcNow().ToUnixTimeSeconds();
        var modelId = model.Info.Id;
        var completionTokens = new int[sequences.Length];
        var textLengths = new int[sequences.Length];
        try
        {
            await foreach (var (index, step) in SequenceMerger.MergeAsync(model, sequences, cancellationToken).ConfigureAwait(false))
            {
                completionTokens[index] = step.CompletionTokens;
                if (step.TextDelta.Length == 0 && step.FinishReason is null && step.LogProbs is null)
                {
                    continue;
                }

                var choice = new CompletionChoice { Index = index, Text = step.TextDelta };
                int textOffset = textLengths[index];
                textLengths[index] += step.TextDelta.Length;
                if (topLogprobs is not null && step.LogProbs is { } logProbs)
                {
                    var top = new Struct();
                    foreach (var alternative in logProbs.Top)
                    {
                        top.Fields[alternative.Text] = Value.ForNumber(alternative.LogProb);
                    }

                    choice.Logprobs = new CompletionLogprobs
                    {
                        Tokens = { logProbs.Token.Text },
                        TokenLogprobs = { logProbs.Token.LogProb },
                        TopLogprobs = { top },
                        // Where this token's text starts in the choice's completion text.
                        TextOffset = { textOffset },
                    };
                }

                if (step.FinishReason is { } reason)
                {
                    choice.FinishReason = ContractMapping.FinishReason(reason);
                }

                yield return new CompleteResponse
                {
                    Id = id,
                    Object = "text_completion",
                    Created = created,
                    Model = modelId,
                    SystemFingerprint = ContractMapping.SystemFingerprint,
                    Choices = { choice },
                };
            }
        }
        finally
        {
            lease.ReportUsage(promptTokens + completionTokens.Sum());
        }

        if (includeUsage)
        {
            var completion = completionTokens.Sum();
            yield return new CompleteResponse
            {
                Id = id,
                Object = "text_completion",
                Created = created,
                Model = modelId,
                SystemFingerprint = ContractMapping.SystemFingerprint,
                Usage = new Usage { PromptTokens = promptTokens, CompletionTokens = completion, TotalTokens = promptTokens + completion },
            };
        }
    }

    /// <summary>OpenAI's prompt union: a string, strings, token ids, or lists of token ids (shape validated).</summary>
    private static List<IReadOnlyList<int>> Prompts(IChatModel model, Value prompt)
    {
        if (prompt.KindCase == Value.KindOneofCase.StringValue)
        {
            return [model.Tokenize(prompt.StringValue)];
        }

        var items = prompt.ListValue.Values;
        if (items[0].KindCase == Value.KindOneofCase.NumberValue)
        {
            return [TokenIds(items)];
        }

        var prompts = new List<IReadOnlyList<int>>(items.Count);
        foreach (var item in items)
        {
            prompts.Add(item.KindCase == Value.KindOneofCase.StringValue ? model.Tokenize(item.StringValue) : TokenIds(item.ListValue.Values));
        }

        return prompts;
    }

    internal static int[] TokenIds(IList<Value> values)
    {
        var ids = new int[values.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (int)values[i].NumberValue;
        }

        return ids;
    }
}
