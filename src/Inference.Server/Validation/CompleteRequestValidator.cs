using FluentValidation;
using Inference.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Inference.Server.Validation;

/// <summary>Checks a text completion request: ranges as OpenAI documents them, refusals for what the engine cannot
/// honour (suffix, echo, best_of other than n).</summary>
internal sealed class CompleteRequestValidator : AbstractValidator<CompleteRequest>
{
    public CompleteRequestValidator(IOptions<ValidationOptions> options)
    {
        var limits = options.Value;
        RuleFor(r => r.Model).RequiredModel();
        RuleFor(r => r.Prompt).Must(p => WireShapes.IsTextOrTokens(p, limits.MaxPrompts))
            .WithMessage($"prompt must be a non-empty string, a list of at most {limits.MaxPrompts} strings, a list of token ids, or a list of token-id lists.")
            .Param("prompt");
        RuleFor(r => r.MaxTokens).GreaterThanOrEqualTo(1).WhenSet(r => r.HasMaxTokens).Param("max_tokens");
        RuleFor(r => r.Temperature).InclusiveBetween(0f, 2f).WhenSet(r => r.HasTemperature).Param("temperature");
        RuleFor(r => r.TopP).InclusiveBetween(0f, 1f).WhenSet(r => r.HasTopP).Param("top_p");
        RuleFor(r => r.TopK).GreaterThanOrEqualTo(0).WhenSet(r => r.HasTopK).Param("top_k");
        RuleFor(r => r.MinP).InclusiveBetween(0f, 1f).WhenSet(r => r.HasMinP).Param("min_p");
        RuleFor(r => r.N).InclusiveBetween(1, limits.MaxChoices).WhenSet(r => r.HasN).Param("n");
        RuleFor(r => r.Stop).Must(WireShapes.IsStop)
            .WithMessage("stop must be a non-empty string or a list of at most 4 non-empty strings.").WhenSet(r => r.Stop is not null).Param("stop");
        RuleFor(r => r.PresencePenalty).InclusiveBetween(-2f, 2f).WhenSet(r => r.HasPresencePenalty).Param("presence_penalty");
        RuleFor(r => r.FrequencyPenalty).InclusiveBetween(-2f, 2f).WhenSet(r => r.HasFrequencyPenalty).Param("frequency_penalty");
        RuleFor(r => r.RepetitionPenalty).GreaterThan(0f).WhenSet(r => r.HasRepetitionPenalty).Param("repetition_penalty");
        RuleFor(r => r.LogitBias).Must(WireShapes.IsLogitBias)
            .WithMessage("logit_bias must map token ids to numbers between -100 and 100.").WhenSet(r => r.LogitBias is not null).Param("logit_bias");
        RuleFor(r => r.Logprobs).InclusiveBetween(0, 5).WhenSet(r => r.HasLogprobs).Param("logprobs");
        RuleFor(r => r.Echo).Equal(false).WhenSet(r => r.HasEcho)
            .NotSupported("echo", "echo is not supported: the response carries the completion only.");
        RuleFor(r => r.Suffix).Empty().WhenSet(r => r.HasSuffix)
            .NotSupported("suffix", "suffix is not supported: this server has no insertion mode.");
        RuleFor(r => r.BestOf).Must((r, bestOf) => bestOf == (r.HasN ? r.N : 1)).WhenSet(r => r.HasBestOf)
            .NotSupported("best_of", "best_of is only supported equal to n: this server does not rank candidates.");
    }
}
