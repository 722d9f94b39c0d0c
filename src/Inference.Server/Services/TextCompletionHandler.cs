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

    public async IAsyncEnumerable<CompleteResponse> StreamAsync(
        CompleteRequest request, CallerAccess access, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var run = new CompletionRun();
        await foreach (var step in GenerateAsync(request, access, run, cancellationToken).ConfigureAwait(false))
        {
            var choice = new CompletionChoice { Index = step.Index, Text = step.Event.TextDelta, Logprobs = step.Logprobs };
            if (step.Event.FinishReason is { } reason)
            {
                choice.FinishReason = ContractMapping.FinishReason(reason);
            }

            var chunk = NewResponse(run);
            chunk.Choices.Add(choice);
            yield return chunk;
        }

        if (request.StreamOptions?.IncludeUsage == true)
        {
            var usage = NewResponse(run);
            usage.Usage = run.Usage();
            yield return usage;
        }
    }

    /// <summary>The unary answer, from the same generation the stream is made of: each choice's text and logprobs
    /// appended, without building a chunk message for every token.</summary>
    public async Task<CompleteResponse> CompleteAsync(CompleteRequest request, CallerAccess access, CancellationToken cancellationToken)
    {
        var run = new CompletionRun();
        var choices = new List<(CompletionChoice Choice, StringBuilder Text)>(1);
        await foreach (var step in GenerateAsync(request, access, run, cancellationToken).ConfigureAwait(false))
        {
            while (choices.Count <= step.Index)
            {
                choices.Add((new CompletionChoice { Index = choices.Count }, TextBuilders.Take()));
            }

            var (choice, text) = choices[step.Index];
            text.Append(step.Event.TextDelta);
            if (step.Logprobs is { } logprobs)
            {
                var all = choice.Logprobs ??= new CompletionLogprobs();
                all.Tokens.Add(logprobs.Tokens);
                all.TokenLogprobs.Add(logprobs.TokenLogprobs);
                all.TopLogprobs.Add(logprobs.TopLogprobs);
                all.TextOffset.Add(logprobs.TextOffset);
            }

            if (step.Event.FinishReason is { } reason)
            {
                choice.FinishReason = ContractMapping.FinishReason(reason);
            }
        }

        var response = NewResponse(run);
        response.Usage = run.Usage();
        foreach (var (choice, text) in choices)
        {
            choice.Text = TextBuilders.ToStringAndGiveBack(text);
            response.Choices.Add(choice);
        }

        return response;
    }

    private static CompleteResponse NewResponse(CompletionRun run) => new()
    {
        Id = run.Id,
        Object = "text_completion",
        Created = run.Created,
        Model = run.ModelId,
        SystemFingerprint = ContractMapping.SystemFingerprint,
    };

    /// <summary>
    /// The one generation behind both shapes: validates, checks the key, tokenizes, admits the request against the
    /// key's limits, runs every prompt's n sequences and yields each event worth sending (any with text, logprobs or a
    /// finish reason), with its logprobs in the wire shape (text offsets within the choice's text).
    /// <paramref name="run"/> receives the response's id, model and token counts as they become known.
    /// </summary>
    private async IAsyncEnumerable<ChoiceStep> GenerateAsync(
        CompleteRequest request, CallerAccess access, CompletionRun run, [EnumeratorCancellation] CancellationToken cancellationToken)
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

        // Admitted at the most the request may use; corrected to what it used when the lease ends, without holding
        // the answer back for a shared limit store (RateLimitLease.Dispose).
        using var lease = await access.AdmitAsync(admittedTokens, cancellationToken).ConfigureAwait(false);
        run.Begin("cmpl-", clock, model.Info.Id, promptTokens, sequences.Length);
        var textLengths = new int[sequences.Length];
        try
        {
            await foreach (var (index, step) in SequenceMerger.MergeAsync(model, sequences, cancellationToken).ConfigureAwait(false))
            {
                run.CompletionTokens[index] = step.CompletionTokens;
                if (step.TextDelta.Length == 0 && step.FinishReason is null && step.LogProbs is null)
                {
                    continue;
                }

                // Where this token's text starts in the choice's completion text.
                int textOffset = textLengths[index];
                textLengths[index] += step.TextDelta.Length;
                var logprobs = topLogprobs is not null && step.LogProbs is { } logProbs ? ToWire(logProbs, textOffset) : null;
                yield return new ChoiceStep(index, step, logprobs);
            }
        }
        finally
        {
            lease.ReportUsage(promptTokens + run.CompletionTokens.Sum());
        }
    }

    private static CompletionLogprobs ToWire(TokenLogProbs logProbs, int textOffset)
    {
        var top = new Struct();
        foreach (var alternative in logProbs.Top)
        {
            top.Fields[alternative.Text] = Value.ForNumber(alternative.LogProb);
        }

        return new CompletionLogprobs
        {
            Tokens = { logProbs.Token.Text },
            TokenLogprobs = { logProbs.Token.LogProb },
            TopLogprobs = { top },
            TextOffset = { textOffset },
        };
    }

    private readonly record struct ChoiceStep(int Index, GenerationEvent Event, CompletionLogprobs? Logprobs);

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
