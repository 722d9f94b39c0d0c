using FluentValidation;
using Inference.Contracts.V1;

namespace Inference.Server.Validation;

/// <summary>A validator for a request with the sampling fields chat and text completions share, which it checks in
/// one place: ranges as OpenAI documents them.</summary>
internal abstract class SamplingRequestValidator<T> : AbstractValidator<T>
    where T : ISamplingParameters
{
    /// <summary>Adds the shared rules where the derived validator calls it, so each request's rules keep OpenAI's
    /// parameter order (the first failure is the one reported).</summary>
    protected void SamplingRules(int maxChoices)
    {
        RuleFor(r => r.Temperature).InclusiveBetween(0f, 2f).WhenSet(r => r.HasTemperature).Param("temperature");
        RuleFor(r => r.TopP).InclusiveBetween(0f, 1f).WhenSet(r => r.HasTopP).Param("top_p");
        RuleFor(r => r.TopK).GreaterThanOrEqualTo(0).WhenSet(r => r.HasTopK).Param("top_k");
        RuleFor(r => r.MinP).InclusiveBetween(0f, 1f).WhenSet(r => r.HasMinP).Param("min_p");
        RuleFor(r => r.N).InclusiveBetween(1, maxChoices).WhenSet(r => r.HasN).Param("n");
        RuleFor(r => r.Stop).Must(WireShapes.IsStop)
            .WithMessage("stop must be a non-empty string or a list of at most 4 non-empty strings.").WhenSet(r => r.Stop is not null).Param("stop");
        RuleFor(r => r.PresencePenalty).InclusiveBetween(-2f, 2f).WhenSet(r => r.HasPresencePenalty).Param("presence_penalty");
        RuleFor(r => r.FrequencyPenalty).InclusiveBetween(-2f, 2f).WhenSet(r => r.HasFrequencyPenalty).Param("frequency_penalty");
        RuleFor(r => r.RepetitionPenalty).GreaterThan(0f).WhenSet(r => r.HasRepetitionPenalty).Param("repetition_penalty");
        RuleFor(r => r.LogitBias).Must(WireShapes.IsLogitBias)
            .WithMessage("logit_bias must map token ids to numbers between -100 and 100.").WhenSet(r => r.LogitBias is not null).Param("logit_bias");
    }
}
