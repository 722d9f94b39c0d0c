using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Inference.Access.Keys;
using Inference.Access.Limits;
using Inference.Engine;
using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Inference.Server.Auth;

/// <summary>
/// Turns a request's key (<c>Authorization: Bearer</c>, <c>X-API-Key</c>, or gRPC <c>authorization</c> metadata: all
/// HTTP headers by the time they reach us) into a <see cref="CallerAccess"/>, or refuses with 401 / UNAUTHENTICATED.
/// One instance serves every face.
/// </summary>
internal sealed class ApiKeyAuthenticator
{
    private readonly ApiKeyStore? _store;
    private readonly IRateLimitBackend _limits;
    private readonly IModelRegistry _registry;
    private readonly string? _environmentKeyText;
    private readonly CallerAccess? _environmentAccess;

    public ApiKeyAuthenticator(AuthMode mode, string? environmentKey, ApiKeyStore? store, IRateLimitBackend limits, IModelRegistry registry, TimeProvider clock)
    {
        Mode = mode;
        _store = store;
        _limits = limits;
        _registry = registry;
        if (!string.IsNullOrEmpty(environmentKey))
        {
            // Compared in fixed time, as the store compares its hashes. The store must keep hashes (a copied database
            // must not give keys away); this key is in the process's environment anyway, and hashing the presented
            // key on every call was a tenth of a cheap call's own time.
            _environmentKeyText = environmentKey;
            var key = new ApiKey(
                "env", AuthOptions.ApiKeyEnvironmentVariable, "(env)", [], null, null, null, null, IsAdmin: true, clock.GetUtcNow(), null);
            // One access for every call with this key: it has no limits, so no lease writes headers to a response.
            _environmentAccess = new CallerAccess(key, _limits, _registry, response: null);
        }
    }

    public AuthMode Mode { get; }

    /// <summary>The key store, or null when keys come only from the environment (or authentication is off without one).</summary>
    public ApiKeyStore? Store => _store;

    /// <summary>Authenticates the request, or throws the 401 / UNAUTHENTICATED <see cref="ApiException"/>.</summary>
    public CallerAccess Authenticate(HttpContext context)
    {
        if (Mode == AuthMode.Disabled)
        {
            return CallerAccess.Unrestricted;
        }

        var headers = context.Request.Headers;
        var presented = ApiKeyCredentials.FromHeaders(headers.Authorization.ToString(), headers[ApiKeyCredentials.ApiKeyHeader].ToString());
        if (_environmentAccess is not null && MatchesEnvironmentKey(presented))
        {
            return _environmentAccess;
        }

        var result = _store?.Authenticate(presented)
            ?? (presented.IsEmpty ? AuthenticationResult.Missing : AuthenticationResult.Unknown);
        if (!result.Succeeded)
        {
            // The message names what is wrong, never the key.
            throw new ApiException(new ApiError(ErrorKind.Unauthenticated, result.Message, null, "invalid_api_key"));
        }

        return new CallerAccess(result.Key, _limits, _registry, context.Response);
    }

    private bool MatchesEnvironmentKey(ReadOnlySpan<char> presented) =>
        // Only keys of the right length are compared; the length is all that leaks.
        _environmentKeyText is not null && presented.Length == _environmentKeyText.Length
        && FixedTimeEquals(MemoryMarshal.AsBytes(presented), MemoryMarshal.AsBytes(_environmentKeyText.AsSpan()));

    /// <summary>
    /// Whether two spans of the same length are equal, in time that depends only on that length: every word is read,
    /// the differences OR-ed together, and only the total tested. Not <c>CryptographicOperations.FixedTimeEquals</c>,
    /// which does the same a byte at a time and is compiled without optimisation (two indexer calls per byte): for a
    /// 45-character key that was about 0.3 µs of every call, a fortieth of a cheap unary call's server time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool FixedTimeEquals(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        ulong difference = 0;
        int i = 0;
        for (; i <= left.Length - sizeof(ulong); i += sizeof(ulong))
        {
            difference |= MemoryMarshal.Read<ulong>(left[i..]) ^ MemoryMarshal.Read<ulong>(right[i..]);
        }

        for (; i < left.Length; i++)
        {
            difference |= (uint)(left[i] ^ right[i]);
        }

        return difference == 0;
    }
}
