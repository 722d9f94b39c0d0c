using Inference.Access.Limits;

namespace Inference.Access;

/// <summary>Configuration of keys and limits, bindable from configuration (for example the section <c>Access</c>).</summary>
public sealed class AccessOptions
{
    /// <summary>Environment variable that overrides the default key database path.</summary>
    public const string KeysDatabaseEnvironmentVariable = "INFERENCE_KEYS_DB";

    /// <summary>Default key database file name.</summary>
    public const string DefaultKeysDatabasePath = "inference-keys.db";

    /// <summary>Path of the SQLite key database.</summary>
    public string KeysDatabasePath { get; set; } = DefaultKeysDatabasePath;

    /// <summary>
    /// How long an authenticated key is served from memory before it is read again; bounds how late a
    /// revocation made elsewhere (CLI, another replica) takes effect. At most one second.
    /// </summary>
    public TimeSpan AuthenticationCacheTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Which rate limit backend to use.</summary>
    public RateLimitBackendKind RateLimitBackend { get; set; } = RateLimitBackendKind.InProcess;

    /// <summary>Redis settings, used when <see cref="RateLimitBackend"/> is <see cref="RateLimitBackendKind.Redis"/>.</summary>
    public RedisLimitOptions Redis { get; set; } = new();

    /// <summary>The database path from the environment when set, otherwise the default.</summary>
    public static string ResolveDefaultKeysDatabasePath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(KeysDatabaseEnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultKeysDatabasePath : fromEnvironment;
    }
}
