using Grpc.Core;
using Inference.Engine;

namespace Inference.Server.Errors;

/// <summary>Translates any exception into an <see cref="ApiError"/>, once, so every face reports the same error.
/// Exceptions we do not recognise become a generic internal error: their text never reaches the wire.</summary>
internal static class ErrorTranslator
{
    public static ApiError Translate(Exception exception) => exception switch
    {
        ApiException api => api.Error,
        ContextLengthExceededException e => new ApiError(
            ErrorKind.ContextLengthExceeded, e.Message, e.Param ?? "messages", "context_length_exceeded"),
        ChatTemplateException e => new ApiError(ErrorKind.InvalidArgument, e.Message, e.Param ?? "messages", "invalid_chat_template_input"),
        InferenceRequestException e => new ApiError(ErrorKind.InvalidArgument, e.Message, e.Param, "invalid_value"),
        ModelOverloadedException e => new ApiError(
            ErrorKind.Overloaded, "The model is overloaded; retry later.", null, "model_overloaded", e.RetryAfter),
        OperationCanceledException => new ApiError(ErrorKind.Cancelled, "The request was cancelled.", null, "cancelled"),
        RpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded } =>
            new ApiError(ErrorKind.Cancelled, "The request was cancelled.", null, "cancelled"),
        _ => new ApiError(ErrorKind.Internal, "The server failed to process the request.", null, "internal_error"),
    };
}
