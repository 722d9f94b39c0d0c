using FluentValidation;
using Inference.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Inference.Server.Validation;

/// <summary>Checks a text completion request: ranges as OpenAI documents them, refusals for what the engine cannot
/// honour (suffix, echo, best_of other than n).</summary>
internal sealed class CompleteRequestValidator : SamplingRequestValidator<CompleteRequest>
{
    public CompleteRequestValidator(IOptions<ValidationOptions> options)
    {
        var limits = options.Value;
        RuleFor(r => r.Model).RequiredModel();
        RuleFor(r => r.Prompt).Must(p => WireShapes.IsTextOrTokens(p, limits.MaxPrompts))
            .WithMessage($"prompt must be a non-empty string, a list of at most {limits.MaxPrompts} strings, a list of token ids, or a list of token-id lists.")
            .Param("prompt");
        RuleFor(r => r.MaxTokens).GreaterThanOrEqualTo(1).WhenSet(r => r.HasMaxTokens).Param("max_tokens");
        SamplingRules(limits.MaxChoices);
        RuleFor(r => r.Logprobs).InclusiveBetween(0, 5).WhenSet(r => r.HasLogprobs).Param("logprobs");
        RuleFor(r => r.Echo).Equal(false).WhenSet(r => r.HasEcho)
            .NotSupported("echo", "echo is not supported: the response carries the completion only.");
        RuleFor(r => r.Suffix).Empty().WhenSet(r => r.HasSuffix)
            .NotSupported("suffix", "suffix is not supported: this server has no insertion mode.");
        RuleFor(r => r.BestOf).Must((r, bestOf) => bestOf == (r.HasN ? r.N : 1)).WhenSet(r => r.HasBestOf)
            .NotSupported("best_of", "best_of is only supported equal to n: this server does not rank candidates.");
    }
}
