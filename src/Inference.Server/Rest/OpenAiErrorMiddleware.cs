using System.Text.Json;
using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Rest;

/// <summary>
/// Makes every error on /v1 OpenAI-shaped. Transcoding has no hook for its error body (it writes a
/// <c>google.rpc.Status</c>), and routing answers unknown paths with an empty 404, so this layer holds back any
/// error response written under it and writes OpenAI's body instead: from the <see cref="ApiError"/> the service
/// left on the context when there is one, otherwise from the status transcoding or routing chose.
/// </summary>
internal sealed class OpenAiErrorMiddleware(RequestDelegate next, ILogger<OpenAiErrorMiddleware> logger)
{
    // Not async on the way through: gRPC calls share this pipeline and should not pay for a state machine here.
    public Task InvokeAsync(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) ? InvokeRestAsync(context) : next(context);

    private async Task InvokeRestAsync(HttpContext context)
    {
        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var capture = new ErrorCaptureBodyFeature(original, context.Response);
        context.Features.Set<IHttpResponseBodyFeature>(capture);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            // Something below the service failed (a bug, not a refusal): answer in the same shape, no details.
            var failure = ErrorTranslator.Translate(exception);
            ErrorLog.Report(logger, context.Request.Path, failure, exception);
            context.Items[PendingError.Key] = failure;
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
        finally
        {
            context.Features.Set(original);
        }

        if (context.Response.HasStarted || context.Response.StatusCode < 400)
        {
            return;
        }

        var error = context.Items.TryGetValue(PendingError.Key, out var pending) && pending is ApiError apiError
            ? apiError
            : FromStatus(context.Response.StatusCode, capture.Captured);
        context.Response.Headers.Remove("grpc-status");
        context.Response.Headers.Remove("grpc-message");
        await OpenAiErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
    }

    /// <summary>An error no layer of ours described: transcoding's own (a <c>google.rpc.Status</c> JSON body, such
    /// as the 400 for a malformed body) or routing's (an empty 404 or 405).</summary>
    private static ApiError FromStatus(int status, ReadOnlyMemory<byte> body)
    {
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("code", out var code) && code.TryGetInt32(out var grpcCode)
                    && root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    var kind = ErrorCodes.KindOfGrpcCode(grpcCode);
                    var text = kind == ErrorKind.Internal ? "The server failed to process the request." : message.GetString()!;
                    return new ApiError(kind, text);
                }
            }
            catch (JsonException)
            {
                // Not a status body: fall through to the HTTP status alone.
            }
        }

        return status switch
        {
            StatusCodes.Status404NotFound => new ApiError(ErrorKind.NotFound, "Unknown request URL.", null, "unknown_url"),
            StatusCodes.Status405MethodNotAllowed => new ApiError(ErrorKind.InvalidArgument, "Method not allowed for this URL.", null, "method_not_allowed"),
            StatusCodes.Status415UnsupportedMediaType => new ApiError(ErrorKind.InvalidArgument, "The body must be JSON (Content-Type: application/json).", null, "unsupported_media_type"),
            _ => new ApiError(ErrorCodes.KindOfHttpStatus(status), "The request could not be processed."),
        };
    }
}
