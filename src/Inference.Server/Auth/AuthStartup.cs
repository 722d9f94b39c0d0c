using Inference.Access.Keys;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Inference.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Inference.Server.Auth;

/// <summary>
/// At start-up: opens the key store (a bad path stops the server now, not at the first request), says how callers
/// are authenticated, and in development mode creates the development key and prints it, once.
/// </summary>
internal sealed partial class AuthStartup(
    ApiKeyAuthenticator authenticator,
    StartupConsole console,
    IOptions<HostingOptions> hosting,
    ILogger<AuthStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        switch (authenticator.Mode)
        {
            case AuthMode.Disabled:
                AuthenticationDisabled(logger);
                break;
            case AuthMode.EnvironmentKey:
                EnvironmentKeyOnly(logger, AuthOptions.ApiKeyEnvironmentVariable);
                break;
            case AuthMode.KeyStore:
                KeyStoreOpened(logger, authenticator.Store!.Path);
                break;
            case AuthMode.Development:
                AnnounceDevelopmentKey(authenticator.Store!);
                break;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void AnnounceDevelopmentKey(ApiKeyStore store)
    {
        var created = store.Create(new ApiKeySpec { Name = "development", IsAdmin = true });
        DevelopmentKeyCreated(logger, created.Key.Prefix);
        var host = hosting.Value.Host.Contains(':', StringComparison.Ordinal) ? $"[{hosting.Value.Host}]" : hosting.Value.Host;
        var writer = console.Writer;
        writer.WriteLine();
        writer.WriteLine("Development API key (every right; valid until this server stops):");
        writer.WriteLine($"    {created.RawKey}");
        writer.WriteLine($"    curl -H 'Authorization: Bearer {created.RawKey}' http://{host}:{hosting.Value.Http.Port}/v1/models");
        writer.WriteLine($"Set {AuthOptions.ApiKeyEnvironmentVariable} to choose the key, or Inference:Auth:KeysDatabasePath to use a key store.");
        writer.WriteLine();
        writer.Flush();
    }

    [LoggerMessage(1, LogLevel.Warning, "Authentication is off (Inference:Auth:Enabled=false): every caller has every right")]
    private static partial void AuthenticationDisabled(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "Authentication: only the key in {Variable}; no key store, so the admin API cannot create keys")]
    private static partial void EnvironmentKeyOnly(ILogger logger, string variable);

    [LoggerMessage(3, LogLevel.Information, "Authentication: API keys from {Path}")]
    private static partial void KeyStoreOpened(ILogger logger, string path);

    [LoggerMessage(4, LogLevel.Warning, "Authentication: no key store configured; development key {Prefix}... printed on standard output, valid until the server stops")]
    private static partial void DevelopmentKeyCreated(ILogger logger, string prefix);
}
