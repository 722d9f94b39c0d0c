namespace Inference.Access.Keys;

/// <summary>The outcome of <see cref="ApiKeyStore.Revoke"/>.</summary>
public enum RevokeResult
{
    /// <summary>The key is now revoked.</summary>
    Revoked = 0,

    /// <summary>No key has that id or prefix.</summary>
    NotFound = 1,

    /// <summary>The key was already revoked; nothing changed.</summary>
    AlreadyRevoked = 2,

    /// <summary>The prefix matches several keys; revoke by id instead.</summary>
    Ambiguous = 3,
}
