using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Inference.Server.Deadlines;

/// <summary>
/// One REST request's bound: a token that the client's abort and the bound's timer both cancel, which
/// <see cref="RestRequestTimeoutMiddleware"/> puts in place of <see cref="HttpContext.RequestAborted"/>, and which
/// tells a request cut by <see cref="DeadlineOptions.RestRequestTimeout"/> from one whose client went away (only the
/// first is answered, with <see cref="Error"/>). Reused from request to request, as Kestrel reuses its own abort
/// source: every REST request needs one, and a linked source, its timer and the context's item dictionary were a
/// few hundred bytes and a tenth of the REST layers' time per request.
/// </summary>
internal sealed class RequestDeadline
{
    private readonly CancellationTokenSource _bounded = new();
    private CancellationTokenRegistration _abortRegistration;
    private CancellationToken _aborted;

    public static ApiError Error { get; } = new(
        ErrorKind.Timeout, "The request took longer than the server allows and was cancelled.", null, "request_timeout");

    /// <summary>Cancelled by the client's abort or by the bound, whichever comes first.</summary>
    public CancellationToken Token => _bounded.Token;

    /// <summary>True when the bound, not the client, ended the request.</summary>
    public bool HasExpired => _bounded.IsCancellationRequested && !_aborted.IsCancellationRequested;

    /// <summary>True when the request's deadline, not its client, ended it.</summary>
    public static bool HasExpiredFor(HttpContext context) => context.Features.Get<RequestDeadline>()?.HasExpired == true;

    /// <summary>Starts bounding a request whose client abort is <paramref name="aborted"/>.</summary>
    public void Start(CancellationToken aborted, TimeSpan timeout)
    {
        _aborted = aborted;
        _abortRegistration = aborted.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), _bounded);
        _bounded.CancelAfter(timeout);
    }

    /// <summary>Ends the request's bound; true when this deadline can serve another request (it was not cancelled,
    /// and no longer can be); otherwise it is spent.</summary>
    public bool TryEnd()
    {
        _abortRegistration.Dispose();
        _aborted = default;
        if (_bounded.TryReset())
        {
            return true;
        }

        _bounded.Dispose();
        return false;
    }
}
