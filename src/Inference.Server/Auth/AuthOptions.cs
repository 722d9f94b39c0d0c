namespace Inference.Server.Auth;

/// <summary>
/// API keys and rate limits (configuration section <c>Inference:Auth</c>). The same section also binds the access
/// library's <see cref="Access.AccessOptions"/>: <c>AuthenticationCacheTtl</c>, <c>RateLimitBackend</c> and
/// <c>Redis:*</c>.
/// </summary>
public sealed class AuthOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference:Auth";

    /// <summary>The environment variable holding a key with every right, for development and single-key setups.</summary>
    public const string ApiKeyEnvironmentVariable = "INFERENCE_API_KEY";

    /// <summary>Whether calls must present a key. On by default; turning it off is for a trusted gateway in front
    /// that authenticates callers itself.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The SQLite key database (create keys in it with <c>inference keys create</c>). Falls back to the
    /// environment variable <c>INFERENCE_KEYS_DB</c>; neither set means no key store.</summary>
    public string? KeysDatabasePath { get; set; }

    /// <summary>A key accepted with every right (admin, every model, no limits), in addition to the store's. Falls
    /// back to the environment variable <c>INFERENCE_API_KEY</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The key store path from configuration or <c>INFERENCE_KEYS_DB</c>, or null when neither names one.</summary>
    internal string? ConfiguredStorePath =>
        !string.IsNullOrWhiteSpace(KeysDatabasePath) ? KeysDatabasePath
        : Environment.GetEnvironmentVariable(Access.AccessOptions.KeysDatabaseEnvironmentVariable) is { Length: > 0 } path ? path
        : null;
}
