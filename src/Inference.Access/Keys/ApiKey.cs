using Inference.Access.Limits;

namespace Inference.Access.Keys;

/// <summary>
/// A stored API key as the host sees it: identity, permissions and limits. It never carries the secret,
/// nor its hash, so it is safe to log, cache and return from admin calls.
/// </summary>
/// <param name="Id">Stable identifier (<c>key_...</c>); the partition for rate limits.</param>
/// <param name="Name">Human name given at creation.</param>
/// <param name="Prefix">Display prefix (<c>sk-</c> and the first 8 characters), the only part of the secret that is shown again.</param>
/// <param name="AllowedModels">Models this key may use; empty means every model.</param>
/// <param name="RequestsPerMinute">Requests per minute, or <see langword="null"/> for unlimited.</param>
/// <param name="TokensPerMinute">Tokens (prompt plus completion) per minute, or <see langword="null"/> for unlimited.</param>
/// <param name="MaxConcurrency">Concurrent requests, or <see langword="null"/> for unlimited.</param>
/// <param name="ExpiresAt">When the key stops working, or <see langword="null"/> for never.</param>
/// <param name="IsAdmin">Whether the key may call the admin API.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="RevokedAt">Revocation time, or <see langword="null"/> while the key is active.</param>
public sealed record ApiKey(
    string Id,
    string Name,
    string Prefix,
    IReadOnlyList<string> AllowedModels,
    int? RequestsPerMinute,
    int? TokensPerMinute,
    int? MaxConcurrency,
    DateTimeOffset? ExpiresAt,
    bool IsAdmin,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>The limits to pass to <see cref="IRateLimitBackend.AdmitAsync"/>.</summary>
    public RateLimits Limits => new(RequestsPerMinute, TokensPerMinute, MaxConcurrency);

    /// <summary>Whether this key may use <paramref name="model"/> (ordinal, case-sensitive like model ids).</summary>
    public bool AllowsModel(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (AllowedModels.Count == 0)
        {
            return true;
        }

        // A plain loop: this runs on every request and the list is short.
        for (var i = 0; i < AllowedModels.Count; i++)
        {
            if (string.Equals(AllowedModels[i], model, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
