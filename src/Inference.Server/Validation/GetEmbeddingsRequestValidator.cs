using FluentValidation;
using Inference.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Inference.Server.Validation;

/// <summary>Checks an embeddings request's shape; the model-dependent limit on dimensions is checked with the model.</summary>
internal sealed class GetEmbeddingsRequestValidator : AbstractValidator<GetEmbeddingsRequest>
{
    public GetEmbeddingsRequestValidator(IOptions<ValidationOptions> options)
    {
        var maxInputs = options.Value.MaxEmbeddingInputs;
        RuleFor(r => r.Model).RequiredModel();
        RuleFor(r => r.Input).Must(i => WireShapes.IsTextOrTokens(i, maxInputs))
            .WithMessage($"input must be a non-empty string, a list of at most {maxInputs} non-empty strings, a list of token ids, or a list of token-id lists.")
            .Param("input");
        RuleFor(r => r.EncodingFormat).Must(f => f is "" or "float" or "base64")
            .WithMessage("encoding_format must be \"float\" or \"base64\".").Param("encoding_format");
        RuleFor(r => r.Dimensions).GreaterThanOrEqualTo(1).WhenSet(r => r.HasDimensions).Param("dimensions");
    }
}
