using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Errors;

/// <summary>
/// The edge where every exception from the service becomes the error model's status, for gRPC, gRPC-Web and
/// transcoded REST alike. For REST it also leaves the <see cref="ApiError"/> on the HttpContext, because
/// transcoding writes a <c>google.rpc.Status</c> body that <see cref="Rest.OpenAiErrorMiddleware"/> replaces with
/// OpenAI's shape, and the details (param, code, retry) are not in that body.
/// </summary>
internal sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    // Not async when the call has already succeeded (a cheap call often has): every unary call passes through here,
    // and an async method would cost each one a state machine.
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception exception) when (exception is not RpcException || IsCancellation(exception))
        {
            throw Translate(exception, context);
        }

        return call.IsCompletedSuccessfully ? call : AwaitUnaryAsync(call, context);
    }

    private async Task<TResponse> AwaitUnaryAsync<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not RpcException || IsCancellation(exception))
        {
            throw Translate(exception, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not RpcException || IsCancellation(exception))
        {
            throw Translate(exception, context);
        }
    }

    private static bool IsCancellation(Exception exception) =>
        exception is RpcException { StatusCode: StatusCode.Cancelled or StatusCode.DeadlineExceeded };

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        var error = ErrorTranslator.Translate(exception);
        ErrorLog.Report(logger, context.Method, error, exception);
        context.GetHttpContext().Items[PendingError.Key] = error;
        return GrpcErrorMapping.ToRpcException(error);
    }
}
