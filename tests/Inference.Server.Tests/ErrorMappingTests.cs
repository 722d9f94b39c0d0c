using Google.Rpc;
using Grpc.Core;
using Inference.Engine;
using Inference.Server.Errors;
using Inference.Server.Rest;
using Microsoft.AspNetCore.Http;

namespace Inference.Server.Tests;

/// <summary>The error model's mappings, for the errors the wire tests cannot provoke with the tiny models.</summary>
public sealed class ErrorMappingTests
{
    [Test]
    public void Overloaded_Is503WithRetryAfter_AndUnavailableWithRetryInfo()
    {
        var error = ErrorTranslator.Translate(new ModelOverloadedException("queue full", TimeSpan.FromSeconds(2)));
        var rpc = GrpcErrorMapping.ToRpcException(error);

        Assert.That(ErrorCodes.HttpStatusOf(error.Kind), Is.EqualTo(503));
        Assert.That(ErrorCodes.CodeOf(error), Is.EqualTo("model_overloaded"));
        Assert.That(error.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(rpc.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(rpc.GetRpcStatus()?.GetDetail<RetryInfo>()?.RetryDelay.Seconds, Is.EqualTo(2));
    }

    [Test]
    public void ChatTemplateError_Is400WithTheTemplatesMessage()
    {
        var error = ErrorTranslator.Translate(new ChatTemplateException("Conversation roles must alternate user/assistant"));

        Assert.That(ErrorCodes.HttpStatusOf(error.Kind), Is.EqualTo(400));
        Assert.That(error.Message, Is.EqualTo("Conversation roles must alternate user/assistant"));
        Assert.That(error.Param, Is.EqualTo("messages"));
    }

    [Test]
    public void UnexpectedException_Is500WithoutItsText()
    {
        var error = ErrorTranslator.Translate(new InvalidOperationException("secret internal detail"));
        var rpc = GrpcErrorMapping.ToRpcException(error);

        Assert.That(ErrorCodes.HttpStatusOf(error.Kind), Is.EqualTo(500));
        Assert.That(error.Message, Does.Not.Contain("secret"));
        Assert.That(rpc.Status.Detail, Does.Not.Contain("secret"));
        Assert.That(rpc.StatusCode, Is.EqualTo(StatusCode.Internal));
    }

    [Test]
    public void ContextLengthExceeded_IsInvalidArgumentWithReasonAndFieldViolation()
    {
        var rpc = GrpcErrorMapping.ToRpcException(ErrorTranslator.Translate(new ContextLengthExceededException("too long", "messages")));

        Assert.That(rpc.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
        Assert.That(rpc.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason, Is.EqualTo("context_length_exceeded"));
        Assert.That(rpc.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations[0].Field, Is.EqualTo("messages"));
    }

    [Test]
    public async Task OpenAiErrorBody_ForOverload_Has503RetryAfterAndCode()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await OpenAiErrorWriter.WriteAsync(context, ErrorTranslator.Translate(new ModelOverloadedException("full", TimeSpan.FromMilliseconds(1500))));

        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.That(context.Response.StatusCode, Is.EqualTo(503));
        Assert.That(context.Response.Headers.RetryAfter.ToString(), Is.EqualTo("2"));
        Assert.That(body, Is.EqualTo("""{"error":{"message":"The model is overloaded; retry later.","type":"server_error","param":null,"code":"model_overloaded"}}"""));
    }
}
