using Inference.Access;
using Inference.Access.Keys;
using Inference.Access.Limits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the key store and the configured rate limit backend.</summary>
public static class AccessServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ApiKeyStore"/> and <see cref="IRateLimitBackend"/> (in-process or Redis, from
    /// <see cref="AccessOptions.RateLimitBackend"/>) as singletons; bind <see cref="AccessOptions"/> from
    /// configuration in the host. Uses TryAdd, so a host or a test can register its own parts first.
    /// </summary>
    public static IServiceCollection AddInferenceAccess(this IServiceCollection services, Action<AccessOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AccessOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Validate(o => !string.IsNullOrWhiteSpace(o.KeysDatabasePath), "Access:KeysDatabasePath is required.")
            .Validate(o => o.AuthenticationCacheTtl >= TimeSpan.Zero && o.AuthenticationCacheTtl <= TimeSpan.FromSeconds(1),
                "Access:AuthenticationCacheTtl must be between 0 and 1 second, so revocations take effect within a second.")
            .Validate(o => o.RateLimitBackend != RateLimitBackendKind.Redis || !string.IsNullOrWhiteSpace(o.Redis.Configuration),
                "Access:Redis:Configuration is required when Access:RateLimitBackend is Redis.")
            .Validate(o => o.Redis.OperationTimeout > TimeSpan.Zero, "Access:Redis:OperationTimeout must be positive.")
            .Validate(o => o.Redis.SyncInterval > TimeSpan.Zero && o.Redis.ReplicaTimeout >= 3 * o.Redis.SyncInterval,
                "Access:Redis:SyncInterval must be positive and Access:Redis:ReplicaTimeout at least three sync intervals.");

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ApiKeyStore(
            sp.GetRequiredService<IOptions<AccessOptions>>(),
            sp.GetService<ILogger<ApiKeyStore>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IRateLimitBackend>(sp =>
        {
            var access = sp.GetRequiredService<IOptions<AccessOptions>>().Value;
            return access.RateLimitBackend == RateLimitBackendKind.Redis
                ? new RedisRateLimitBackend(access.Redis, sp.GetService<ILogger<RedisRateLimitBackend>>())
                : new InProcessRateLimitBackend(sp.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}
