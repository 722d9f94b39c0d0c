using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Inference.Server.Auth;

/// <summary>
/// Authenticates every call to the inference and admin services, on each face that reaches them (gRPC, gRPC-Web,
/// transcoded REST), and leaves the caller's <see cref="CallerAccess"/> on the call for the handlers. Registered per
/// service, not globally, so health and reflection stay open. Runs inside the global error interceptor, which turns
/// its refusals into each face's status.
/// </summary>
internal sealed class AccessInterceptor(ApiKeyAuthenticator authenticator) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    private void Authenticate(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        http.Features.Set(authenticator.Authenticate(http));
    }
}
