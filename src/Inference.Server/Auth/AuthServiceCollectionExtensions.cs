using Inference.Access;
using Inference.Access.Keys;
using Inference.Access.Limits;
using Inference.Engine;
using Inference.Server.Auth;
using Inference.Server.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers API key authentication, per-key model access and rate limits (<c>Inference:Auth</c>).</summary>
public static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="AuthOptions"/> and the access library's <see cref="AccessOptions"/> from <c>Inference:Auth</c>,
    /// registers the key store, the rate limit backend (in-process or Redis) and the authenticator the faces share,
    /// and refuses at start-up to serve a non-loopback address with no key configured.
    /// </summary>
    public static IServiceCollection AddInferenceAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AuthOptions.Section);
        services.AddOptions<AuthOptions>()
            .Bind(section)
            .PostConfigure(o =>
            {
                if (string.IsNullOrEmpty(o.ApiKey))
                {
                    o.ApiKey = Environment.GetEnvironmentVariable(AuthOptions.ApiKeyEnvironmentVariable);
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>());

        services.TryAddSingleton<DevelopmentKeyFolder>();
        services.AddInferenceAccess(access => section.Bind(access));
        services.AddOptions<AccessOptions>().Configure<IOptions<AuthOptions>, DevelopmentKeyFolder>((access, auth, development) =>
            access.KeysDatabasePath = auth.Value.ConfiguredStorePath ?? development.DatabasePath);

        services.TryAddSingleton(new StartupConsole(Console.Out));
        services.TryAddSingleton(sp =>
        {
            var auth = sp.GetRequiredService<IOptions<AuthOptions>>().Value;
            var mode = AuthModes.Resolve(auth, sp.GetRequiredService<IOptions<HostingOptions>>().Value);
            // The store is opened only when there is one: with only INFERENCE_API_KEY no file is created.
            var store = mode is AuthMode.KeyStore or AuthMode.Development || (mode == AuthMode.Disabled && auth.ConfiguredStorePath is not null)
                ? sp.GetRequiredService<ApiKeyStore>()
                : null;
            return new ApiKeyAuthenticator(
                mode, auth.ApiKey, store, sp.GetRequiredService<IRateLimitBackend>(), sp.GetRequiredService<IModelRegistry>(),
                sp.GetRequiredService<TimeProvider>());
        });
        services.AddHostedService<AuthStartup>();
        return services;
    }
}
