namespace Inference.Server.Tests.Support;

/// <summary>A call's result in face-neutral words, so one assertion covers REST, gRPC and gRPC-Web: the gRPC status
/// name (REST's HTTP status mapped to it), the error code (REST <c>error.code</c>, gRPC <c>ErrorInfo.Reason</c>), the
/// retry delay (<c>Retry-After</c>, <c>RetryInfo</c>) and the response headers or metadata.</summary>
internal sealed record CallOutcome(string Status, string? Code, string? RestType, TimeSpan? RetryAfter, IReadOnlyDictionary<string, string> Headers, string Detail)
{
    public bool Ok => Status == "OK";

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => $"{Status} {Code} ({Detail})";
}
