using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Inference.Server.Tests.Support;

/// <summary>
/// Runs a <see cref="FaceOperation"/> on any face with any key (or none), and reports a <see cref="CallOutcome"/>.
/// Its clients carry no key of their own: each call sends exactly the key it is given.
/// </summary>
internal sealed class FaceClient(HttpClient http, GrpcChannel grpc, GrpcChannel grpcWeb) : IDisposable
{
    public async Task<CallOutcome> CallAsync(Face face, FaceOperation operation, string? key, KeyHeader header = KeyHeader.Bearer) =>
        face == Face.Rest
            ? await RestAsync(operation, key, header).ConfigureAwait(false)
            : await GrpcAsync(face == Face.Grpc ? grpc : grpcWeb, operation, key, header).ConfigureAwait(false);

    public void Dispose()
    {
        http.Dispose();
        grpc.Dispose();
        grpcWeb.Dispose();
    }

    private async Task<CallOutcome> RestAsync(FaceOperation operation, string? key, KeyHeader header)
    {
        using var request = new HttpRequestMessage(operation.Method, operation.Path);
        if (operation.Body is not null)
        {
            request.Content = new StringContent(operation.Body, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            if (header == KeyHeader.Bearer)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            else
            {
                request.Headers.Add("X-API-Key", key);
            }
        }

        using var response = await http.SendAsync(request).DefaultTimeout().ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout().ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers)
        {
            headers[name] = string.Join(",", values);
        }

        string? code = null, type = null;
        var status = (int)response.StatusCode switch
        {
            200 => "OK",
            400 => "InvalidArgument",
            401 => "Unauthenticated",
            403 => "PermissionDenied",
            404 => "NotFound",
            429 => "ResourceExhausted",
            503 => "Unavailable",
            var other => "HTTP " + other,
        };
        if (status != "OK")
        {
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            code = error.GetProperty("code").GetString();
            type = error.GetProperty("type").GetString();
        }
        else if (response.Content.Headers.ContentType?.MediaType == "text/event-stream" && body.Contains("\"error\"", StringComparison.Ordinal))
        {
            status = "error event in the stream";
        }

        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
        return new CallOutcome(status, code, type, retryAfter, headers, $"HTTP {(int)response.StatusCode} {body}");
    }

    private static async Task<CallOutcome> GrpcAsync(GrpcChannel channel, FaceOperation operation, string? key, KeyHeader header)
    {
        var metadata = new Metadata();
        if (key is not null)
        {
            metadata.Add(header == KeyHeader.Bearer ? "authorization" : "x-api-key", header == KeyHeader.Bearer ? "Bearer " + key : key);
        }

        try
        {
            await operation.Grpc(channel.CreateCallInvoker(), metadata).DefaultTimeout().ConfigureAwait(false);
            return new CallOutcome("OK", null, null, null, new Dictionary<string, string>(), "OK");
        }
        catch (RpcException exception)
        {
            var rich = exception.GetRpcStatus();
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in exception.Trailers)
            {
                if (!entry.IsBinary)
                {
                    headers[entry.Key] = entry.Value;
                }
            }

            return new CallOutcome(
                exception.StatusCode.ToString(),
                rich?.GetDetail<ErrorInfo>()?.Reason,
                null,
                rich?.GetDetail<RetryInfo>()?.RetryDelay.ToTimeSpan(),
                headers,
                exception.Status.Detail);
        }
    }
}
