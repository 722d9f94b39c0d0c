namespace Inference.Server.Errors;

/// <summary>Thrown by server code to refuse a request with a client-safe <see cref="ApiError"/>.</summary>
internal sealed class ApiException(ApiError error) : Exception(error.Message)
{
    public ApiError Error { get; } = error;
}
