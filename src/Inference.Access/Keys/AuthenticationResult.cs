namespace Inference.Access.Keys;

/// <summary>
/// The outcome of <see cref="ApiKeyStore.Authenticate(string)"/>. Every status other than
/// <see cref="AuthenticationStatus.Succeeded"/> is an unauthenticated request; the status only helps the
/// message and the logs.
/// </summary>
public sealed class AuthenticationResult
{
    internal static readonly AuthenticationResult Missing = new(AuthenticationStatus.Missing, null);
    internal static readonly AuthenticationResult Unknown = new(AuthenticationStatus.Unknown, null);

    internal AuthenticationResult(AuthenticationStatus status, ApiKey? key)
    {
        Status = status;
        Key = key;
    }

    /// <summary>Why the key was accepted or refused.</summary>
    public AuthenticationStatus Status { get; }

    /// <summary>Whether the request is authenticated; when true, <see cref="Key"/> is set.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Key))]
    public bool Succeeded => Status == AuthenticationStatus.Succeeded;

    /// <summary>The key record when known (also for revoked and expired keys, for logging its prefix).</summary>
    public ApiKey? Key { get; }

    /// <summary>A message safe to return to the caller: it never contains the presented key.</summary>
    public string Message => Status switch
    {
        AuthenticationStatus.Succeeded => "Authenticated.",
        AuthenticationStatus.Missing => "No API key provided. Pass it as 'Authorization: Bearer sk-...'.",
        AuthenticationStatus.Revoked => "The API key has been revoked.",
        AuthenticationStatus.Expired => "The API key has expired.",
        _ => "Incorrect API key provided.",
    };
}
