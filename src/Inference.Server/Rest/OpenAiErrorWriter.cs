using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Inference.Server.Rest;

/// <summary>Writes OpenAI's error body, <c>{"error":{"message","type","param","code"}}</c>, the one shape every
/// error on /v1 takes.</summary>
internal static class OpenAiErrorWriter
{
    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        var response = context.Response;
        response.StatusCode = ErrorCodes.HttpStatusOf(error.Kind);
        response.ContentLength = null;
        response.ContentType = "application/json";
        if (error.RetryAfter is { } retryAfter)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, ProtoJsonWriter.WriterOptions))
        {
            WriteError(writer, error);
        }

        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Writes the body object; the SSE adapter reuses it for an error in the middle of a stream.</summary>
    public static void WriteError(Utf8JsonWriter writer, ApiError error)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", ErrorCodes.TypeOf(error.Kind));
        if (error.Param is null)
        {
            writer.WriteNull("param");
        }
        else
        {
            writer.WriteString("param", error.Param);
        }

        writer.WriteString("code", ErrorCodes.CodeOf(error));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
