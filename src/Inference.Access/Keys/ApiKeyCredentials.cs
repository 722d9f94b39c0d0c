namespace Inference.Access.Keys;

/// <summary>Reads the presented key from request headers, the same way on REST, gRPC and gRPC-Web.</summary>
public static class ApiKeyCredentials
{
    /// <summary><c>X-API-Key</c>, the alternative to a bearer token (lower case, as gRPC metadata keys are).</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>
    /// The key from <c>Authorization: Bearer ...</c> (also the gRPC <c>authorization</c> metadata), or else from
    /// <c>X-API-Key</c>; empty when neither carries one. Pass the result to <see cref="ApiKeyStore.Authenticate(ReadOnlySpan{char})"/>.
    /// </summary>
    public static ReadOnlySpan<char> FromHeaders(string? authorization, string? apiKey)
    {
        var value = authorization.AsSpan().Trim();
        const string Bearer = "Bearer ";
        if (value.Length > Bearer.Length && value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return value[Bearer.Length..].Trim();
        }

        return apiKey.AsSpan().Trim();
    }
}
