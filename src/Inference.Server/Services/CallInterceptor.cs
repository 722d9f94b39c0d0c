using Grpc.Core;
using Grpc.Core.Interceptors;
using Inference.Server.Auth;
using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Services;

/// <summary>
/// The edge of every call to the inference and admin services, on each face that reaches them (gRPC, gRPC-Web,
/// transcoded REST). First the caller's key: <see cref="ApiKeyAuthenticator"/> turns it into the
/// <see cref="CallerAccess"/> left on the call for the handlers, or refuses. Then every exception from the service
/// (that refusal included) becomes the error model's status; for REST it also leaves the <see cref="ApiError"/> on the
/// HttpContext, because transcoding writes a <c>google.rpc.Status</c> body that
/// <see cref="Rest.OpenAiErrorMiddleware"/> replaces with OpenAI's shape, and the details (param, code, retry) are
/// not in that body. One interceptor for both, registered per service so that health and reflection stay open: each
/// interceptor costs every unary call an activation and an async layer of grpc-dotnet's pipeline.
/// </summary>
internal sealed class CallInterceptor(ApiKeyAuthenticator authenticator, ILogger<CallInterceptor> logger) : Interceptor
{
    // Not async when the call has already succeeded (a cheap call often has): every unary call passes through here,
    // and an async method would cost each one a state machine.
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            Authenticate(context);
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
            Authenticate(context);
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not RpcException || IsCancellation(exception))
        {
            throw Translate(exception, context);
        }
    }

    private void Authenticate(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        http.Features.Set(authenticator.Authenticate(http));
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
