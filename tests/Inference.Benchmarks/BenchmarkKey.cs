using System.Net.Http.Headers;

namespace Inference.Benchmarks;

/// <summary>
/// The key the benchmarks' servers accept (given as <c>Inference:Auth:ApiKey</c>, the INFERENCE_API_KEY setting: every
/// right, no limits), and what sends it. Authentication is on by default, so the suites measure the service as it
/// runs; baselines receive the same header and ignore it, so both sides move the same bytes.
/// </summary>
internal static class BenchmarkKey
{
    public const string Value = "sk-benchmark-key-not-a-secret-0123456789abcdef";

    public static string ServerArgument => $"--Inference:Auth:ApiKey={Value}";

    /// <summary>Wraps a handler so that every request carries <c>Authorization: Bearer</c> with <paramref name="key"/>.</summary>
    public static HttpMessageHandler Sending(HttpMessageHandler inner, string key = Value) => new Handler(key, inner);

    private sealed class Handler(string key, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization ??= new AuthenticationHeaderValue("Bearer", key);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
