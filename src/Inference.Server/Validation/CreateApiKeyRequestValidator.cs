using FluentValidation;
using Inference.Contracts.V1;

namespace Inference.Server.Validation;

/// <summary>Checks a new key's fields before the store sees them, so every mistake is a 400 naming the field.</summary>
internal sealed class CreateApiKeyRequestValidator : AbstractValidator<CreateApiKeyRequest>
{
    public CreateApiKeyRequestValidator(TimeProvider clock)
    {
        RuleFor(r => r.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("name is required.").Param("name");
        RuleForEach(r => r.AllowedModels)
            .Must(m => !string.IsNullOrWhiteSpace(m) && !m.Contains(',', StringComparison.Ordinal))
            .WithMessage("allowed_models must hold model ids (non-empty, without commas).")
            .Param("allowed_models");
        RuleFor(r => r.RequestsPerMinute).GreaterThan(0).WhenSet(r => r.HasRequestsPerMinute).Param("requests_per_minute");
        RuleFor(r => r.TokensPerMinute).GreaterThan(0).WhenSet(r => r.HasTokensPerMinute).Param("tokens_per_minute");
        RuleFor(r => r.MaxConcurrency).GreaterThan(0).WhenSet(r => r.HasMaxConcurrency).Param("max_concurrency");
        RuleFor(r => r.ExpiresAt)
            .Must(e => e > clock.GetUtcNow().ToUnixTimeSeconds())
            .WhenSet(r => r.HasExpiresAt)
            .WithMessage("expires_at must be in the future (Unix seconds).")
            .Param("expires_at");
    }
}
