namespace Inference.Server.Deadlines;

/// <summary>Upper bounds on time (configuration section <c>Inference:Limits</c>: <c>RestRequestTimeout</c>,
/// <c>ShutdownGracePeriod</c>, as TimeSpan strings such as <c>00:10:00</c>).</summary>
public sealed class DeadlineOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference:Limits";

    /// <summary>The longest a REST request (<c>/v1/*</c>, streamed or not) may run before its sequence is
    /// cancelled; a request cut before its first byte is answered 504 <c>request_timeout</c>. gRPC callers set
    /// their own bound with a deadline (<c>grpc-timeout</c>), so it does not apply to them.</summary>
    public TimeSpan RestRequestTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>On shutdown (SIGTERM), how long running requests and streams may go on to their end after the server
    /// stops accepting; those still running then are cancelled. Sets <c>HostOptions.ShutdownTimeout</c>.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);
}
