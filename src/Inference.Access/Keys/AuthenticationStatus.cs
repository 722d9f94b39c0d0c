namespace Inference.Access.Keys;

/// <summary>The outcome of <see cref="ApiKeyStore.Authenticate(string)"/>.</summary>
public enum AuthenticationStatus
{
    /// <summary>The key is known, active and not expired.</summary>
    Succeeded = 0,

    /// <summary>No key was presented.</summary>
    Missing = 1,

    /// <summary>The key is not known (or malformed).</summary>
    Unknown = 2,

    /// <summary>The key was revoked.</summary>
    Revoked = 3,

    /// <summary>The key is past its expiry time.</summary>
    Expired = 4,
}
