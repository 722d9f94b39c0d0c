namespace Inference.Server.Errors;

/// <summary>The one set of error kinds every face maps from; each maps once to gRPC and once to HTTP.</summary>
internal enum ErrorKind
{
    InvalidArgument,
    FailedPrecondition,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    ContextLengthExceeded,
    RateLimited,
    Overloaded,
    Cancelled,
    Timeout,
    Internal,
}
