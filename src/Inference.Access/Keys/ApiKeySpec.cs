namespace Inference.Access.Keys;

/// <summary>What to create with <see cref="ApiKeyStore.Create"/>.</summary>
public sealed record ApiKeySpec
{
    /// <summary>Human name, required.</summary>
    public required string Name { get; init; }

    /// <summary>Models the key may use; empty means every model.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Requests per minute, or <see langword="null"/> for unlimited.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Tokens per minute, or <see langword="null"/> for unlimited.</summary>
    public int? TokensPerMinute { get; init; }

    /// <summary>Concurrent requests, or <see langword="null"/> for unlimited.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>When the key stops working, or <see langword="null"/> for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Whether the key may call the admin API.</summary>
    public bool IsAdmin { get; init; }
}
