using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Inference.Server.Deadlines;

/// <summary>Tells a REST request cut by <see cref="DeadlineOptions.RestRequestTimeout"/> from one whose client went
/// away: both cancel <see cref="HttpContext.RequestAborted"/>, but only the first is answered, with this error.</summary>
internal static class RequestDeadline
{
    /// <summary>The <see cref="HttpContext.Items"/> key of the request's deadline token.</summary>
    private static readonly object Key = new();

    public static ApiError Error { get; } = new(
        ErrorKind.Timeout, "The request took longer than the server allows and was cancelled.", null, "request_timeout");

    /// <summary>Records the request's two tokens: the client's abort and the bounded token that it and the bound
    /// cancel.</summary>
    public static void Set(HttpContext context, CancellationToken aborted, CancellationToken bounded) =>
        context.Items[Key] = new Tokens(aborted, bounded);

    /// <summary>True when the request's deadline, not its client, ended it.</summary>
    public static bool HasExpired(HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is Tokens tokens
        && tokens.Bounded.IsCancellationRequested && !tokens.Aborted.IsCancellationRequested;

    private sealed record Tokens(CancellationToken Aborted, CancellationToken Bounded);
}
