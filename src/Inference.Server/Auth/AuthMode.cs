using System.Net;
using Inference.Server.Hosting;

namespace Inference.Server.Auth;

/// <summary>How callers are authenticated, decided once at start-up from <see cref="AuthOptions"/> and where the
/// server listens.</summary>
internal enum AuthMode
{
    /// <summary><c>Inference:Auth:Enabled=false</c>: every call is let through with every right.</summary>
    Disabled,

    /// <summary>Keys from the configured SQLite store (and <c>INFERENCE_API_KEY</c> when set).</summary>
    KeyStore,

    /// <summary>Only <c>INFERENCE_API_KEY</c>; there is no store, so the admin API cannot create keys.</summary>
    EnvironmentKey,

    /// <summary>Nothing configured on a loopback address: a throwaway store with one development key printed at start.</summary>
    Development,

    /// <summary>Nothing configured on a public address: refused at start-up.</summary>
    Refused,
}

/// <summary>Decides the <see cref="AuthMode"/>.</summary>
internal static class AuthModes
{
    public static AuthMode Resolve(AuthOptions auth, HostingOptions hosting) =>
        !auth.Enabled ? AuthMode.Disabled
        : auth.ConfiguredStorePath is not null ? AuthMode.KeyStore
        : !string.IsNullOrEmpty(auth.ApiKey) ? AuthMode.EnvironmentKey
        : IsLoopback(hosting.Host) ? AuthMode.Development
        : AuthMode.Refused;

    /// <summary>What start-up says when <see cref="AuthMode.Refused"/>: the fix, in the words of the configuration.</summary>
    public static string RefusalMessage(HostingOptions hosting) =>
        $"Inference:Host is '{hosting.Host}', not a loopback address, and no API key store is configured: anyone who can reach "
        + "the server could use it. Set Inference:Auth:KeysDatabasePath (or INFERENCE_KEYS_DB) to a key database and create keys "
        + "with `inference keys create --name NAME`, or set INFERENCE_API_KEY, or listen on 127.0.0.1. Behind a gateway that "
        + "authenticates callers itself, Inference:Auth:Enabled=false turns authentication off.";

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
