using System.Net.Http.Headers;

namespace Inference.Server.Tests.Support;

/// <summary>Sends a key as <c>Authorization: Bearer</c> on every request that has none of its own: one way for
/// HttpClient, gRPC and gRPC-Web channels alike (gRPC metadata <c>authorization</c> is that HTTP/2 header).</summary>
internal sealed class ApiKeyHandler(string key, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", key);
        return base.SendAsync(request, cancellationToken);
    }
}
