using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Inference.Access.Keys;

/// <summary>Making and hashing raw keys. The raw key only ever lives in the caller's hands.</summary>
internal static class ApiKeySecret
{
    internal const string Scheme = "sk-";
    internal const int PrefixSecretChars = 8;
    internal const int HashBytes = 32;
    internal const int HexChars = HashBytes * 2;

    // A 256-bit key is 46 characters; anything much longer is not ours, and refusing it before hashing
    // keeps a hostile header from costing more than a fixed amount of work.
    internal const int MaxRawKeyLength = 128;

    /// <summary>Makes <c>sk-</c> followed by 256 random bits in base64url (43 characters).</summary>
    internal static string NewRawKey()
    {
        Span<byte> secret = stackalloc byte[32];
        RandomNumberGenerator.Fill(secret);
        var raw = Scheme + Base64Url.EncodeToString(secret);
        CryptographicOperations.ZeroMemory(secret);
        return raw;
    }

    internal static string NewId() => "key_" + RandomNumberGenerator.GetHexString(16, lowercase: true);

    internal static string DisplayPrefix(string rawKey) => rawKey[..(Scheme.Length + PrefixSecretChars)];

    /// <summary>Whether the text could be one of our keys, checked before spending a hash on it.</summary>
    internal static bool IsWellFormed(ReadOnlySpan<char> rawKey) =>
        rawKey.Length > Scheme.Length + PrefixSecretChars
        && rawKey.Length <= MaxRawKeyLength
        && rawKey.StartsWith(Scheme, StringComparison.Ordinal);

    /// <summary>SHA-256 of the UTF-8 key into <paramref name="hash"/>, without allocating.</summary>
    internal static void Hash(ReadOnlySpan<char> rawKey, Span<byte> hash)
    {
        Span<byte> utf8 = stackalloc byte[MaxRawKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(rawKey, utf8);
        SHA256.HashData(utf8[..length], hash);
        CryptographicOperations.ZeroMemory(utf8[..length]);
    }

    internal static string HashHex(string rawKey)
    {
        Span<byte> hash = stackalloc byte[HashBytes];
        Hash(rawKey, hash);
        return Convert.ToHexStringLower(hash);
    }
}
