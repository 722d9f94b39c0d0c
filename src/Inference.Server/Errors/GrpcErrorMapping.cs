using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Inference.Server.Errors;

/// <summary>Maps an <see cref="ApiError"/> to a gRPC status with <c>google.rpc</c> details (the rich error model),
/// so gRPC and gRPC-Web clients get the same facts as the OpenAI body gives REST clients.</summary>
internal static class GrpcErrorMapping
{
    /// <summary>The domain of every <see cref="ErrorInfo"/> this service sends.</summary>
    public const string Domain = "inference.v1";

    public static Code ToCode(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument or ErrorKind.ContextLengthExceeded => Code.InvalidArgument,
        ErrorKind.FailedPrecondition => Code.FailedPrecondition,
        ErrorKind.Unauthenticated => Code.Unauthenticated,
        ErrorKind.PermissionDenied => Code.PermissionDenied,
        ErrorKind.NotFound => Code.NotFound,
        // Grpc.Net.Client reads HTTP 429 as Unavailable, but over gRPC proper the precise code is available.
        ErrorKind.RateLimited => Code.ResourceExhausted,
        ErrorKind.Overloaded => Code.Unavailable,
        ErrorKind.Cancelled => Code.Cancelled,
        ErrorKind.Timeout => Code.DeadlineExceeded,
        _ => Code.Internal,
    };

    public static RpcException ToRpcException(ApiError error)
    {
        var status = new Google.Rpc.Status { Code = (int)ToCode(error.Kind), Message = error.Message };
        var info = new ErrorInfo { Domain = Domain, Reason = ErrorCodes.CodeOf(error) };
        if (error.Param is not null)
        {
            info.Metadata.Add("param", error.Param);
        }

        status.Details.Add(Any.Pack(info));
        if (error.Param is not null && status.Code == (int)Code.InvalidArgument)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = error.Param, Description = error.Message });
            status.Details.Add(Any.Pack(badRequest));
        }

        if (error.RetryAfter is { } retryAfter)
        {
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(retryAfter) }));
        }

        return status.ToRpcException();
    }
}
