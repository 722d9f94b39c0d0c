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
        await using (var steps = await StartAsync(request, access, run, cancellationToken).ConfigureAwait(false))
        {
            while (await steps.MoveNextAsync().ConfigureAwait(false))
            {
                yield return ToChunk(steps.Current, run);
            }
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
        await using (var steps = await StartAsync(request, access, run, cancellationToken).ConfigureAwait(false))
        {
            while (await steps.MoveNextAsync().ConfigureAwait(false))
            {
                Append(choices, steps.Current, run);
            }
        }

        var response = NewResponse(run);
        response.Usage = run.Usage();
        // Exactly as many choices as there are: a repeated field's first Add makes room for eight.
        response.Choices.Capacity = choices.Count;
        foreach (var (choice, text) in choices)
        {
            choice.Text = TextBuilders.ToStringAndGiveBack(text);
            response.Choices.Add(choice);
        }

        return response;
    }

    /// <summary>One step as a stream chunk: its text, logprobs and finish.</summary>
    private static CompleteResponse ToChunk(ChoiceStep step, CompletionRun run)
    {
        var choice = new CompletionChoice { Index = step.Index, Text = step.Event.TextDelta, Logprobs = Logprobs(step, run) };
        if (step.Event.FinishReason is { } reason)
        {
            choice.FinishReason = ContractMapping.FinishReason(reason);
        }

        var chunk = NewResponse(run);
        chunk.Choices.Capacity = 1; // one choice per chunk; the first Add would make room for eight
        chunk.Choices.Add(choice);
        return chunk;
    }

    /// <summary>Adds one step to its choice of the unary answer.</summary>
    private static void Append(List<(CompletionChoice Choice, StringBuilder Text)> choices, ChoiceStep step, CompletionRun run)
    {
        while (choices.Count <= step.Index)
        {
            choices.Add((new CompletionChoice { Index = choices.Count }, TextBuilders.Take()));
        }

        var (choice, text) = choices[step.Index];
        text.Append(step.Event.TextDelta);
        if (Logprobs(step, run) is { } logprobs)
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
    /// key's limits and starts every prompt's n sequences, whose steps worth sending (any with text, logprobs or a
    /// finish reason) the caller reads from the result and then disposes of. <paramref name="run"/> receives the
    /// response's id, model and token counts as they become known.
    /// </summary>
    private async ValueTask<ChoiceSteps> StartAsync(
        CompleteRequest request, CallerAccess access, CompletionRun run, CancellationToken cancellationToken)
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

        // Admitted at the most the request may use; corrected to what it used when the steps are disposed, without
        // holding the answer back for a shared limit store (RateLimitLease.Dispose).
        var lease = await access.AdmitAsync(admittedTokens, cancellationToken).ConfigureAwait(false);
        run.Begin("cmpl-", clock, model.Info.Id, promptTokens, sequences.Length);
        run.TopLogprobs = topLogprobs;
        return ChoiceSteps.Start(model, sequences, lease, run, keepFirst: false, cancellationToken);
    }

    /// <summary>A step's logprobs in the wire shape (its text offset within the choice's text), when asked for.</summary>
    private static CompletionLogprobs? Logprobs(ChoiceStep step, CompletionRun run) =>
        run.TopLogprobs is not null && step.Event.LogProbs is { } logProbs ? ToWire(logProbs, step.TextOffset) : null;

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
