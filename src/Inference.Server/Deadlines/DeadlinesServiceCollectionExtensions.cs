using Inference.Server.Deadlines;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// Registration extensions live in the DI namespace, as grpc-dotnet's do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the REST request bound and the shutdown grace period.</summary>
public static class DeadlinesServiceCollectionExtensions
{
    /// <summary>Binds <see cref="DeadlineOptions"/> and makes the grace period the host's shutdown timeout.</summary>
    /// <remarks>
    /// On SIGTERM the host stops Kestrel first: it stops accepting and waits for running requests up to the shutdown
    /// timeout, then aborts them, which cancels their sequences through <c>RequestAborted</c>. Only after that is
    /// the container, and with it the model registry and its scheduler threads, disposed, so no stream loses its
    /// model while it may still finish.
    /// </remarks>
    public static IServiceCollection AddInferenceDeadlines(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DeadlineOptions>()
            .Bind(configuration.GetSection(DeadlineOptions.Section))
            .Validate(o => o.RestRequestTimeout > TimeSpan.Zero, "Inference:Limits:RestRequestTimeout must be positive.")
            .Validate(o => o.ShutdownGracePeriod >= TimeSpan.Zero, "Inference:Limits:ShutdownGracePeriod must not be negative.")
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<DeadlineOptions>>(
            (host, deadlines) => host.ShutdownTimeout = deadlines.Value.ShutdownGracePeriod);
        return services;
    }
}
