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

    public static void Set(HttpContext context, CancellationToken deadline) => context.Items[Key] = deadline;

    /// <summary>True when the request's deadline, not its client, ended it.</summary>
    public static bool HasExpired(HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is CancellationToken { IsCancellationRequested: true };
}
