namespace Inference.Access.Keys;

/// <summary>
/// The result of <see cref="ApiKeyStore.Create"/>: the stored key and the raw secret, which exists only here
/// and must be shown to the user once. A class rather than a record so that <see cref="ToString"/> cannot
/// print the secret into a log by accident.
/// </summary>
public sealed class CreatedApiKey
{
    internal CreatedApiKey(ApiKey key, string rawKey)
    {
        Key = key;
        RawKey = rawKey;
    }

    /// <summary>The stored key.</summary>
    public ApiKey Key { get; }

    /// <summary>The secret (<c>sk-...</c>). It is not stored anywhere and cannot be recovered later.</summary>
    public string RawKey { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Key.Id} ({Key.Prefix}...)";
}
