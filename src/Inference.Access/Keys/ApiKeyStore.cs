using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Inference.Access.Keys;

/// <summary>
/// API keys in a SQLite file: create, list, revoke, and authenticate on every request. Only the SHA-256 hash
/// of a key and its display prefix are stored. Thread-safe; one instance per process is enough.
/// </summary>
public sealed class ApiKeyStore : IDisposable
{
    private static readonly TimeSpan MaxCacheTtl = TimeSpan.FromSeconds(1);

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _cacheTtlTicks;

    // Authenticated keys by hex hash. Only keys that exist are cached, so the map is bounded by the table and
    // a flood of random keys cannot grow it. The alternate lookup lets the hot path probe with a stack span.
    private readonly ConcurrentDictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedKey>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private bool _disposed;

    /// <summary>Opens (creating or migrating) the key database named by <paramref name="options"/>.</summary>
    public ApiKeyStore(IOptions<AccessOptions> options, ILogger<ApiKeyStore>? logger = null, TimeProvider? timeProvider = null)
        : this(options?.Value.KeysDatabasePath!, options?.Value.AuthenticationCacheTtl ?? MaxCacheTtl, logger, timeProvider)
    {
    }

    /// <summary>Opens (creating or migrating) the key database at <paramref name="path"/>.</summary>
    /// <param name="path">SQLite file path; created with its schema if absent.</param>
    /// <param name="cacheTtl">How long a key is served from memory; capped at one second.</param>
    /// <param name="logger">Logger; keys are never logged, only their display prefix.</param>
    /// <param name="timeProvider">Clock for expiry and the cache; the system clock by default.</param>
    public ApiKeyStore(string path, TimeSpan? cacheTtl = null, ILogger<ApiKeyStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        var ttl = cacheTtl ?? MaxCacheTtl;
        ttl = ttl < TimeSpan.Zero ? TimeSpan.Zero : ttl > MaxCacheTtl ? MaxCacheTtl : ttl;
        _cacheTtlTicks = (long)(ttl.TotalSeconds * _time.TimestampFrequency);
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        Path = System.IO.Path.GetFullPath(path);

        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // One connection, serialised by _gate: writes are rare, and reads on the hot path come from the cache.
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString());
        _connection.Open();
        KeySchema.Configure(_connection);
        KeySchema.Migrate(_connection);
        Log.StoreOpened(_logger, Path);
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Creates a key and returns it with its raw secret, which is not stored and is shown only this once.
    /// When this returns, the key is durable (the write is synced to disk).
    /// </summary>
    public CreatedApiKey Create(ApiKeySpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ValidateSpec(spec);

        var raw = ApiKeySecret.NewRawKey();
        var key = new ApiKey(
            ApiKeySecret.NewId(),
            spec.Name.Trim(),
            ApiKeySecret.DisplayPrefix(raw),
            [.. spec.AllowedModels],
            spec.RequestsPerMinute,
            spec.TokensPerMinute,
            spec.MaxConcurrency,
            spec.ExpiresAt,
            spec.IsAdmin,
            TruncateToMilliseconds(_time.GetUtcNow()),
            null);

        lock (_gate)
        {
            ThrowIfDisposed();
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO api_keys (id, name, prefix, key_hash, allowed_models, rpm, tpm, max_concurrency,
                                      expires_at, is_admin, created_at, revoked_at)
                VALUES ($id, $name, $prefix, $hash, $models, $rpm, $tpm, $concurrency, $expires, $admin, $created, NULL)
                """;
            command.Parameters.AddWithValue("$id", key.Id);
            command.Parameters.AddWithValue("$name", key.Name);
            command.Parameters.AddWithValue("$prefix", key.Prefix);
            command.Parameters.AddWithValue("$hash", ApiKeySecret.HashHex(raw));
            command.Parameters.AddWithValue("$models", string.Join(',', key.AllowedModels));
            command.Parameters.AddWithValue("$rpm", (object?)key.RequestsPerMinute ?? DBNull.Value);
            command.Parameters.AddWithValue("$tpm", (object?)key.TokensPerMinute ?? DBNull.Value);
            command.Parameters.AddWithValue("$concurrency", (object?)key.MaxConcurrency ?? DBNull.Value);
            command.Parameters.AddWithValue("$expires", ToDb(key.ExpiresAt));
            command.Parameters.AddWithValue("$admin", key.IsAdmin ? 1 : 0);
            command.Parameters.AddWithValue("$created", ToDb(key.CreatedAt));
            command.ExecuteNonQuery();
        }

        Log.KeyCreated(_logger, key.Id, key.Prefix);
        return new CreatedApiKey(key, raw);
    }

    /// <summary>All keys, newest first, revoked ones included.</summary>
    public IReadOnlyList<ApiKey> List()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {KeySchema.Columns} FROM api_keys ORDER BY created_at DESC, id";
            using var reader = command.ExecuteReader();
            var keys = new List<ApiKey>();
            while (reader.Read())
            {
                keys.Add(ReadKey(reader));
            }

            return keys;
        }
    }

    /// <summary>Finds one key by id or display prefix, or <see langword="null"/> (also when the prefix is ambiguous).</summary>
    public ApiKey? Find(string idOrPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPrefix);
        lock (_gate)
        {
            ThrowIfDisposed();
            var matches = FindLocked(idOrPrefix.Trim());
            return matches.Count == 1 ? matches[0] : null;
        }
    }

    /// <summary>
    /// Revokes a key by id (<c>key_...</c>) or display prefix (<c>sk-xxxxxxxx</c>). This process stops accepting
    /// it at once; other processes sharing the file within the authentication cache TTL (at most a second).
    /// </summary>
    public RevokeResult Revoke(string idOrPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrPrefix);
        ApiKey key;
        lock (_gate)
        {
            ThrowIfDisposed();
            var matches = FindLocked(idOrPrefix.Trim());
            if (matches.Count == 0)
            {
                return RevokeResult.NotFound;
            }

            if (matches.Count > 1)
            {
                return RevokeResult.Ambiguous;
            }

            key = matches[0];
            if (key.RevokedAt is not null)
            {
                return RevokeResult.AlreadyRevoked;
            }

            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET revoked_at = $now WHERE id = $id AND revoked_at IS NULL";
            command.Parameters.AddWithValue("$now", ToDb(_time.GetUtcNow()));
            command.Parameters.AddWithValue("$id", key.Id);
            command.ExecuteNonQuery();
        }

        // Dropping every cached entry is simpler than finding this key's (the cache is keyed by hash, which we
        // do not keep beside the id) and costs one database read per active key.
        _cache.Clear();
        Log.KeyRevoked(_logger, key.Id, key.Prefix);
        return RevokeResult.Revoked;
    }

    /// <summary>
    /// Checks a raw key presented by a caller. Served from memory for up to the cache TTL, so it costs one
    /// SHA-256 on the hot path. Expiry is checked on every call against the clock.
    /// </summary>
    /// <param name="rawKey">The key as presented (<c>sk-...</c>), or <see langword="null"/> when none was.</param>
    public AuthenticationResult Authenticate(ReadOnlySpan<char> rawKey)
    {
        rawKey = rawKey.Trim();
        if (rawKey.IsEmpty)
        {
            return AuthenticationResult.Missing;
        }

        if (!ApiKeySecret.IsWellFormed(rawKey))
        {
            return AuthenticationResult.Unknown;
        }

        Span<byte> hash = stackalloc byte[ApiKeySecret.HashBytes];
        ApiKeySecret.Hash(rawKey, hash);
        Span<char> hex = stackalloc char[ApiKeySecret.HexChars];
        Convert.TryToHexStringLower(hash, hex, out _);

        var now = _time.GetTimestamp();
        if (!_cacheBySpan.TryGetValue(hex, out var cached) || now - cached.LoadedAt > _cacheTtlTicks)
        {
            cached = Load(new string(hex), now);
            if (cached is null)
            {
                return AuthenticationResult.Unknown;
            }
        }

        // The lookup is by hash, which reveals nothing usable through timing; this comparison is the check
        // that the presented secret is the stored one, so it must not leak where the two differ.
        if (!CryptographicOperations.FixedTimeEquals(cached.Hash, hash))
        {
            return AuthenticationResult.Unknown;
        }

        return cached.Evaluate(_time.GetUtcNow());
    }

    /// <summary>Overload for callers holding a string; <see langword="null"/> means no key was presented.</summary>
    public AuthenticationResult Authenticate(string? rawKey) => Authenticate(rawKey.AsSpan());

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    private CachedKey? Load(string hashHex, long now)
    {
        ApiKey? key;
        lock (_gate)
        {
            ThrowIfDisposed();
            using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT {KeySchema.Columns} FROM api_keys WHERE key_hash = $hash";
            command.Parameters.AddWithValue("$hash", hashHex);
            using var reader = command.ExecuteReader();
            key = reader.Read() ? ReadKey(reader) : null;
        }

        if (key is null)
        {
            _cache.TryRemove(hashHex, out _);
            return null;
        }

        var entry = new CachedKey(key, Convert.FromHexString(hashHex), now);
        _cache[hashHex] = entry;
        return entry;
    }

    private List<ApiKey> FindLocked(string idOrPrefix)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT {KeySchema.Columns} FROM api_keys WHERE id = $value OR prefix = $value";
        command.Parameters.AddWithValue("$value", idOrPrefix);
        using var reader = command.ExecuteReader();
        var matches = new List<ApiKey>();
        while (reader.Read())
        {
            matches.Add(ReadKey(reader));
        }

        return matches;
    }

    private static ApiKey ReadKey(SqliteDataReader reader)
    {
        var models = reader.GetString(3);
        return new ApiKey(
            Id: reader.GetString(0),
            Name: reader.GetString(1),
            Prefix: reader.GetString(2),
            AllowedModels: models.Length == 0 ? [] : models.Split(','),
            RequestsPerMinute: reader.IsDBNull(4) ? null : reader.GetInt32(4),
            TokensPerMinute: reader.IsDBNull(5) ? null : reader.GetInt32(5),
            MaxConcurrency: reader.IsDBNull(6) ? null : reader.GetInt32(6),
            ExpiresAt: FromDb(reader, 7),
            IsAdmin: reader.GetInt64(8) != 0,
            CreatedAt: FromDb(reader, 9) ?? DateTimeOffset.UnixEpoch,
            RevokedAt: FromDb(reader, 10));
    }

    private static void ValidateSpec(ApiKeySpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            throw new ArgumentException("A key needs a name.", nameof(spec));
        }

        foreach (var model in spec.AllowedModels)
        {
            if (string.IsNullOrWhiteSpace(model) || model.Contains(',', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Invalid model name '{model}'.", nameof(spec));
            }
        }

        if (spec.RequestsPerMinute is <= 0 || spec.TokensPerMinute is <= 0 || spec.MaxConcurrency is <= 0)
        {
            throw new ArgumentException("Limits must be positive (leave them unset for unlimited).", nameof(spec));
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    // Times are stored as Unix milliseconds: compact, sortable, and free of culture and offset parsing.
    private static object ToDb(DateTimeOffset? value) => value is { } v ? v.ToUnixTimeMilliseconds() : DBNull.Value;

    private static DateTimeOffset? FromDb(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    /// <summary>A key read from the database, with its results made once so that hits allocate nothing.</summary>
    private sealed class CachedKey(ApiKey key, byte[] hash, long loadedAt)
    {
        private readonly AuthenticationResult _succeeded = new(AuthenticationStatus.Succeeded, key);
        private readonly AuthenticationResult _revoked = new(AuthenticationStatus.Revoked, key);
        private readonly AuthenticationResult _expired = new(AuthenticationStatus.Expired, key);

        public byte[] Hash { get; } = hash;

        public long LoadedAt { get; } = loadedAt;

        public AuthenticationResult Evaluate(DateTimeOffset now) =>
            key.RevokedAt is not null ? _revoked
            : key.ExpiresAt is { } expires && now >= expires ? _expired
            : _succeeded;
    }
}
