using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Google.Protobuf;
using Inference.Contracts.V1;
using Inference.Server.Auth;
using Inference.Server.Deadlines;
using Inference.Server.Errors;
using Inference.Server.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Rest;

/// <summary>
/// The SSE adapter. <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c> serve both
/// <c>"stream": false</c> (transcoding, unary RPC) and <c>"stream": true</c>, and two endpoints on one route are
/// ambiguous, so this middleware runs before the endpoints, reads <c>stream</c> from the buffered body and, when true,
/// serves server-sent events from the same streaming implementation the gRPC streaming RPCs use:
/// <c>data: {chunk}\n\n</c> per chunk, then <c>data: [DONE]\n\n</c>. Otherwise the request goes on to
/// transcoding, with null members removed (see <see cref="NullMembers"/>).
/// </summary>
internal sealed class ServerSentEventsMiddleware(
    RequestDelegate next,
    ChatCompletionHandler chat,
    TextCompletionHandler text,
    ApiKeyAuthenticator authenticator,
    ILogger<ServerSentEventsMiddleware> logger)
{
    public const string ChatPath = "/v1/chat/completions";
    public const string CompletionsPath = "/v1/completions";

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    // Not async on the way through: every other request shares this pipeline and should not pay for a state machine.
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path;
        var isChat = path.Equals(ChatPath, StringComparison.Ordinal);
        return HttpMethods.IsPost(request.Method) && (isChat || path.Equals(CompletionsPath, StringComparison.Ordinal))
            ? InvokeCompletionAsync(context, isChat)
            : next(context);
    }

    private async Task InvokeCompletionAsync(HttpContext context, bool isChat)
    {
        var request = context.Request;
        var body = await ReadBodyAsync(request, context.RequestAborted).ConfigureAwait(false);
        if (!WantsStream(body.AsSpan()))
        {
            // Not a streaming request (or not JSON at all: transcoding answers that with its 400). Transcoding reads
            // the body again, from the bytes already read (without null members when there were any).
            var forward = NullMembers.Strip(body.AsSpan()) is { } stripped ? stripped : body;
            request.Body = new MemoryStream(forward.Array!, forward.Offset, forward.Count, writable: false);
            request.ContentLength = forward.Count;

            await next(context).ConfigureAwait(false);
            return;
        }

        var operation = isChat ? "StreamChatComplete (SSE)" : "StreamComplete (SSE)";
        CallerAccess access;
        try
        {
            // The same check the gRPC faces get from CallInterceptor; the handlers do the model and limit checks.
            access = authenticator.Authenticate(context);
        }
        catch (ApiException exception)
        {
            ErrorLog.Report(logger, operation, exception.Error, exception);
            Refuse(context, exception.Error);
            return;
        }

        IAsyncEnumerable<IMessage> chunks;
        try
        {
            var json = System.Text.Encoding.UTF8.GetString(body.AsSpan());
            chunks = isChat
                ? chat.StreamAsync(Parser.Parse<ChatCompleteRequest>(json), access, context.RequestAborted)
                : text.StreamAsync(Parser.Parse<CompleteRequest>(json), access, context.RequestAborted);
        }
        catch (Exception exception) when (exception is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            Refuse(context, new ApiError(ErrorKind.InvalidArgument, "We could not parse the JSON body of your request: " + exception.Message, null, "invalid_json"));
            return;
        }

        await StreamAsync(context, chunks, operation).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, IAsyncEnumerable<IMessage> chunks, string operation)
    {
        var response = context.Response;
        var started = false;
        PipeWriter pipe;
        Utf8JsonWriter? json = null;
        try
        {
            await foreach (var chunk in chunks.ConfigureAwait(false))
            {
                if (!started)
                {
                    // Headers go out with the first chunk, so a refusal found before it still gets its status.
                    Start(response);
                    started = true;
                    json = new Utf8JsonWriter(response.BodyWriter, ProtoJsonWriter.WriterOptions);
                }

                pipe = response.BodyWriter;
                pipe.Write("data: "u8);
                json!.Reset(pipe);
                ProtoJsonWriter.WriteMessage(json, chunk);
                json.Flush();
                pipe.Write("\n\n"u8);
                await pipe.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            }

            if (!started)
            {
                Start(response);
                started = true;
            }

            pipe = response.BodyWriter;
            pipe.Write("data: [DONE]\n\n"u8);
            await pipe.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The request bound cancels like a disconnect does, but its client is still there to be told.
            var error = RequestDeadline.HasExpiredFor(context) ? RequestDeadline.Error : ErrorTranslator.Translate(exception);
            ErrorLog.Report(logger, operation, error, exception);
            if (!started)
            {
                Refuse(context, error);
            }
            else if (error.Kind != ErrorKind.Cancelled)
            {
                // Headers are gone: OpenAI's own servers report a late failure as an error event, then close.
                pipe = response.BodyWriter;
                json ??= new Utf8JsonWriter(pipe, ProtoJsonWriter.WriterOptions);
                pipe.Write("data: "u8);
                json.Reset(pipe);
                OpenAiErrorWriter.WriteError(json, error);
                json.Flush();
                pipe.Write("\n\n"u8);
                await pipe.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            if (json is not null)
            {
                await json.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void Start(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // Reverse proxies that buffer would hold tokens back; this asks them not to.
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>Leaves the error for <see cref="OpenAiErrorMiddleware"/>, which writes every /v1 error body.</summary>
    private static void Refuse(HttpContext context, ApiError error)
    {
        context.Items[PendingError.Key] = error;
        context.Response.StatusCode = ErrorCodes.HttpStatusOf(error.Kind);
    }

    /// <summary>The whole body, once (Kestrel's request size limit bounds it). A body that declares its length is
    /// read straight into an array of that size.</summary>
    private static async Task<ArraySegment<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength.Value : 1024);
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads the top-level <c>stream</c> member without building a document.</summary>
    private static bool WantsStream(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStream = reader.ValueTextEquals("stream"u8);
                reader.Read();
                if (isStream)
                {
                    return reader.TokenType == JsonTokenType.True;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Malformed: transcoding reports it.
        }

        return false;
    }
}
