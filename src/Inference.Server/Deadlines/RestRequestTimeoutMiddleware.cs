using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;

namespace Inference.Server.Deadlines;

/// <summary>
/// Bounds the time of every REST request. ASP.NET Core's request-timeout middleware would also bound gRPC calls on
/// the same pipeline, which carry their own deadline, so this one applies to <c>/v1</c> only. It puts the
/// <see cref="RequestDeadline"/>'s token, which the client's abort also cancels, in place of
/// <see cref="HttpContext.RequestAborted"/>, which the SSE adapter and transcoding hand to the service, so the
/// sequence is cancelled in the scheduler exactly as a client disconnect cancels it.
/// </summary>
internal sealed class RestRequestTimeoutMiddleware(RequestDelegate next, IOptions<DeadlineOptions> options)
{
    private readonly TimeSpan _timeout = options.Value.RestRequestTimeout;
    private readonly ObjectPool<RequestDeadline> _deadlines = new DefaultObjectPool<RequestDeadline>(new DefaultPooledObjectPolicy<RequestDeadline>());

    // Not async on the way through: gRPC calls share this pipeline and should not pay for a state machine here.
    public Task InvokeAsync(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) ? InvokeRestAsync(context) : next(context);

    private async Task InvokeRestAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        var deadline = _deadlines.Get();
        deadline.Start(aborted, _timeout);
        context.RequestAborted = deadline.Token;
        context.Features.Set(deadline);
        try
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.HasExpired)
            {
                // Answered below.
            }
            finally
            {
                context.RequestAborted = aborted;
            }

            if (deadline.HasExpired && !context.Response.HasStarted)
            {
                // Whatever the layers below made of the cancellation (transcoding reports it as CANCELLED), the client
                // is still there and deserves to know the server gave up: OpenAiErrorMiddleware writes this.
                context.Items[PendingError.Key] = RequestDeadline.Error;
                context.Response.StatusCode = ErrorCodes.HttpStatusOf(ErrorKind.Timeout);
            }
        }
        finally
        {
            context.Features.Set<RequestDeadline>(null);
            if (deadline.TryEnd())
            {
                _deadlines.Return(deadline);
            }
        }
    }
}
