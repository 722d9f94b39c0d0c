using Microsoft.AspNetCore.Http;

namespace Inference.Server.Errors;

/// <summary>The HTTP face of the error model: status codes, OpenAI error types and default codes.</summary>
internal static class ErrorCodes
{
    public static int HttpStatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument or ErrorKind.ContextLengthExceeded or ErrorKind.FailedPrecondition => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        ErrorKind.PermissionDenied => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorKind.Overloaded => StatusCodes.Status503ServiceUnavailable,
        // nginx's "client closed request": nobody reads it, but logs and metrics tell it from a server fault.
        ErrorKind.Cancelled => 499,
        // The server, not the client, gave up (Inference:Limits:RestRequestTimeout): a gateway timeout.
        ErrorKind.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>OpenAI's <c>error.type</c>.</summary>
    public static string TypeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument or ErrorKind.ContextLengthExceeded or ErrorKind.NotFound or ErrorKind.FailedPrecondition => "invalid_request_error",
        ErrorKind.Unauthenticated => "authentication_error",
        ErrorKind.PermissionDenied => "permission_error",
        ErrorKind.RateLimited => "rate_limit_error",
        _ => "server_error",
    };

    /// <summary>OpenAI's <c>error.code</c>, also the <c>google.rpc.ErrorInfo</c> reason.</summary>
    public static string CodeOf(ApiError error) => error.Code ?? error.Kind switch
    {
        ErrorKind.InvalidArgument => "invalid_value",
        ErrorKind.FailedPrecondition => "failed_precondition",
        ErrorKind.Unauthenticated => "invalid_api_key",
        ErrorKind.PermissionDenied => "permission_denied",
        ErrorKind.NotFound => "not_found",
        ErrorKind.ContextLengthExceeded => "context_length_exceeded",
        ErrorKind.RateLimited => "rate_limit_exceeded",
        ErrorKind.Overloaded => "model_overloaded",
        ErrorKind.Cancelled => "cancelled",
        ErrorKind.Timeout => "request_timeout",
        _ => "internal_error",
    };

    /// <summary>The kind a gRPC status code stands for (errors that transcoding raised itself).</summary>
    public static ErrorKind KindOfGrpcCode(int code) => code switch
    {
        3 or 9 or 11 => ErrorKind.InvalidArgument,
        5 => ErrorKind.NotFound,
        7 => ErrorKind.PermissionDenied,
        8 => ErrorKind.RateLimited,
        1 => ErrorKind.Cancelled,
        4 => ErrorKind.Timeout,
        14 => ErrorKind.Overloaded,
        16 => ErrorKind.Unauthenticated,
        _ => ErrorKind.Internal,
    };

    /// <summary>The kind an HTTP status stands for (errors raised by routing, such as an unknown path).</summary>
    public static ErrorKind KindOfHttpStatus(int status) => status switch
    {
        401 => ErrorKind.Unauthenticated,
        403 => ErrorKind.PermissionDenied,
        404 => ErrorKind.NotFound,
        429 => ErrorKind.RateLimited,
        503 => ErrorKind.Overloaded,
        408 or 504 => ErrorKind.Timeout,
        >= 400 and < 500 => ErrorKind.InvalidArgument,
        _ => ErrorKind.Internal,
    };
}
