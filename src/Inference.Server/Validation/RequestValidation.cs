using FluentValidation;
using Inference.Server.Errors;

namespace Inference.Server.Validation;

/// <summary>Runs a validator and turns its first failure into the error model's 400 naming the parameter.</summary>
internal static class RequestValidation
{
    /// <summary>The FluentValidation error code our rules use for parameters the engine cannot honour.</summary>
    public const string Unsupported = "unsupported_parameter";

    public static void ThrowIfInvalid<T>(IValidator<T> validator, T request)
    {
        var result = validator.Validate(request);
        if (result.IsValid)
        {
            return;
        }

        var failure = result.Errors[0];
        throw new ApiException(new ApiError(
            ErrorKind.InvalidArgument,
            failure.ErrorMessage,
            failure.PropertyName,
            failure.ErrorCode == Unsupported ? Unsupported : "invalid_value"));
    }

    /// <summary>The model is named (NotEmpty's rule and message). Not NotEmpty itself: it checks a non-empty string
    /// again as a sequence, allocating an enumerator on every request.</summary>
    public static IRuleBuilderOptions<T, string> RequiredModel<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must(model => !string.IsNullOrWhiteSpace(model)).WithMessage("'model' must not be empty.").Param("model");

    /// <summary>
    /// Runs the rule only when the request sets its parameter. A condition on the rule itself, where FluentValidation's
    /// <c>When</c> conditions each of the rule's validators after it has set up the rule's property context and message
    /// formatter: most parameters are unset in most requests, and skipping them this early halves what they cost.
    /// </summary>
    public static IRuleBuilderOptions<T, TProperty> WhenSet<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, Func<T, bool> isSet) =>
        rule.Configure(r => r.ApplySharedCondition(context => isSet(context.InstanceToValidate)));

    /// <summary>Names the rule after the OpenAI wire parameter (for both <c>param</c> and the message).</summary>
    public static IRuleBuilderOptions<T, TProperty> Param<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, string param) =>
        rule.OverridePropertyName(param).WithName(param);

    /// <summary>Marks a rule as refusing a parameter the engine cannot honour.</summary>
    public static IRuleBuilderOptions<T, TProperty> NotSupported<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, string param, string message) =>
        rule.OverridePropertyName(param).WithMessage(message).WithErrorCode(Unsupported);
}
