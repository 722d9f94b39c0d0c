namespace Inference.Server.Errors;

/// <summary>An error as clients see it. <see cref="Message"/> is always safe to show: it never carries internal
/// exception text.</summary>
/// <param name="Kind">What went wrong, face-neutral.</param>
/// <param name="Message">A human-readable explanation for the client.</param>
/// <param name="Param">The request parameter at fault, in its OpenAI wire name, when one is.</param>
/// <param name="Code">A machine-readable reason such as <c>model_not_found</c>; null picks the kind's default.</param>
/// <param name="RetryAfter">When a retry may succeed (overloaded, rate limited).</param>
internal sealed record ApiError(
    ErrorKind Kind,
    string Message,
    string? Param = null,
    string? Code = null,
    TimeSpan? RetryAfter = null)
{
    public static ApiError InvalidParam(string param, string message) =>
        new(ErrorKind.InvalidArgument, message, param, "invalid_value");

    public static ApiError Unsupported(string param, string message) =>
        new(ErrorKind.InvalidArgument, message, param, "unsupported_parameter");

    public static ApiError ModelNotFound(string model) =>
        new(ErrorKind.NotFound, $"The model '{model}' does not exist.", "model", "model_not_found");
}
