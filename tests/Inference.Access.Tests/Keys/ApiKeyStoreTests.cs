using System.Text;
using Inference.Access.Keys;
using Inference.Access.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Inference.Access.Tests.Keys;

public sealed class ApiKeyStoreTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Test]
    public void Create_ThenAuthenticate_ReturnsTheKeyWithItsSpec()
    {
        using var store = new ApiKeyStore(_directory.File("keys.db"));
        var created = store.Create(new ApiKeySpec
        {
            Name = "alice",
            AllowedModels = ["tiny-chat", "embed"],
            RequestsPerMinute = 60,
            TokensPerMinute = 1000,
            MaxConcurrency = 2,
            IsAdmin = true,
        });

        Assert.That(created.RawKey, Does.StartWith("sk-"));
        Assert.That(created.RawKey, Has.Length.EqualTo(46), "sk- plus 256 bits in base64url");
        Assert.That(created.Key.Prefix, Is.EqualTo(created.RawKey[..11]));
        Assert.That(created.ToString(), Does.Not.Contain(created.RawKey));

        var result = store.Authenticate(created.RawKey);
        Assert.That(result.Status, Is.EqualTo(AuthenticationStatus.Succeeded));
        Assert.That(result.Key!.Id, Is.EqualTo(created.Key.Id));
        Assert.That(result.Key.AllowedModels, Is.EqualTo(new[] { "tiny-chat", "embed" }));
        Assert.That(result.Key.Limits, Is.EqualTo(new Access.Limits.RateLimits(60, 1000, 2)));
        Assert.That(result.Key.IsAdmin, Is.True);
        Assert.That(result.Key.AllowsModel("tiny-chat"), Is.True);
        Assert.That(result.Key.AllowsModel("other"), Is.False);
    }

    [Test]
    public void Authenticate_MissingUnknownOrMalformedKey_IsRefused()
    {
        using var store = new ApiKeyStore(_directory.File("keys.db"));
        var created = store.Create(new ApiKeySpec { Name = "bob" });

        Assert.That(store.Authenticate((string?)null).Status, Is.EqualTo(AuthenticationStatus.Missing));
        Assert.That(store.Authenticate("  ").Status, Is.EqualTo(AuthenticationStatus.Missing));
        Assert.That(store.Authenticate("sk-" + new string('A', 43)).Status, Is.EqualTo(AuthenticationStatus.Unknown));
        Assert.That(store.Authenticate(created.RawKey[..^1] + "x").Status, Is.EqualTo(AuthenticationStatus.Unknown));
        Assert.That(store.Authenticate("Bearer " + created.RawKey).Status, Is.EqualTo(AuthenticationStatus.Unknown));
        Assert.That(store.Authenticate(new string('s', 10_000)).Status, Is.EqualTo(AuthenticationStatus.Unknown));
        Assert.That(store.Authenticate(created.RawKey).Succeeded, Is.True);
        Assert.That(store.Authenticate(created.RawKey).Key!.AllowsModel("anything"), Is.True, "empty list means all models");
    }

    [Test]
    public void Revoke_ByIdOrPrefix_RefusesTheKeyInThisProcessAtOnce()
    {
        using var store = new ApiKeyStore(_directory.File("keys.db"));
        var first = store.Create(new ApiKeySpec { Name = "one" });
        var second = store.Create(new ApiKeySpec { Name = "two" });
        Assert.That(store.Authenticate(first.RawKey).Succeeded, Is.True);

        Assert.That(store.Revoke(first.Key.Id), Is.EqualTo(RevokeResult.Revoked));
        Assert.That(store.Revoke(second.Key.Prefix), Is.EqualTo(RevokeResult.Revoked));
        Assert.That(store.Revoke(first.Key.Id), Is.EqualTo(RevokeResult.AlreadyRevoked));
        Assert.That(store.Revoke("key_doesnotexist"), Is.EqualTo(RevokeResult.NotFound));

        Assert.That(store.Authenticate(first.RawKey).Status, Is.EqualTo(AuthenticationStatus.Revoked));
        Assert.That(store.Authenticate(second.RawKey).Status, Is.EqualTo(AuthenticationStatus.Revoked));
        Assert.That(store.List().Select(k => k.RevokedAt is not null), Is.All.True);
    }

    [Test]
    public async Task Revoke_FromAnotherStoreOnTheSameFile_TakesEffectWithinOneSecond()
    {
        var path = _directory.File("keys.db");
        using var server = new ApiKeyStore(path);
        using var cli = new ApiKeyStore(path);
        var created = cli.Create(new ApiKeySpec { Name = "shared" });
        Assert.That(server.Authenticate(created.RawKey).Succeeded, Is.True, "cached in the server now");

        Assert.That(cli.Revoke(created.Key.Id), Is.EqualTo(RevokeResult.Revoked));
        var revokedAt = System.Diagnostics.Stopwatch.StartNew();
        var refused = await TestTimeouts.Eventually(
            () => Task.FromResult(server.Authenticate(created.RawKey).Status == AuthenticationStatus.Revoked),
            TimeSpan.FromSeconds(3));

        Assert.That(refused, Is.True, "the server kept accepting a revoked key");
        Assert.That(revokedAt.Elapsed, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(1500)), "cache TTL is 1 s; the rest is polling and scheduling slack");
    }

    [Test]
    public void Authenticate_AfterExpiry_IsExpiredEvenWhenCached()
    {
        var clock = new ManualTimeProvider();
        using var store = new ApiKeyStore(_directory.File("keys.db"), timeProvider: clock);
        var created = store.Create(new ApiKeySpec { Name = "temp", ExpiresAt = clock.GetUtcNow().AddMinutes(5) });
        Assert.That(store.Authenticate(created.RawKey).Succeeded, Is.True);

        clock.Advance(TimeSpan.FromMinutes(5));

        var result = store.Authenticate(created.RawKey);
        Assert.That(result.Status, Is.EqualTo(AuthenticationStatus.Expired));
        Assert.That(result.Message, Does.Not.Contain(created.RawKey));
    }

    [Test]
    public void Revoke_AmbiguousPrefix_IsRefused()
    {
        var path = _directory.File("keys.db");
        using (var store = new ApiKeyStore(path))
        {
            store.Create(new ApiKeySpec { Name = "a" });
            store.Create(new ApiKeySpec { Name = "b" });
        }

        // Prefix collisions are rare with 48 random bits; force one to check the store refuses to guess.
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET prefix = 'sk-SAMESAME'";
            command.ExecuteNonQuery();
        }

        using var reopened = new ApiKeyStore(path);
        Assert.That(reopened.Revoke("sk-SAMESAME"), Is.EqualTo(RevokeResult.Ambiguous));
        Assert.That(reopened.List().Select(k => k.RevokedAt), Is.All.Null);
    }

    [Test]
    public void RawKey_IsNeverWrittenToTheDatabaseFiles()
    {
        var path = _directory.File("keys.db");
        var raw = new List<string>();
        using (var store = new ApiKeyStore(path))
        {
            for (var i = 0; i < 20; i++)
            {
                raw.Add(store.Create(new ApiKeySpec { Name = $"k{i}" }).RawKey);
            }

            // Scan while the WAL still holds the writes, then again after the checkpoint at close.
            AssertNoSecrets(path, raw);
        }

        SqliteConnection.ClearAllPools();
        AssertNoSecrets(path, raw);

        using var reopened = new ApiKeyStore(path);
        Assert.That(reopened.List(), Has.Count.EqualTo(20));
        Assert.That(raw.Select(k => reopened.Authenticate(k).Succeeded), Is.All.True, "reopened store knows the keys");
    }

    [Test]
    public void Open_CreatesSchemaOnce_AndReopensWithoutLosingKeys()
    {
        var path = _directory.File("sub/dir/keys.db");
        string raw;
        using (var store = new ApiKeyStore(path))
        {
            raw = store.Create(new ApiKeySpec { Name = "persist", ExpiresAt = DateTimeOffset.UtcNow.AddDays(1) }).RawKey;
        }

        using var reopened = new ApiKeyStore(path);
        var key = reopened.Authenticate(raw).Key;
        Assert.That(key, Is.Not.Null);
        Assert.That(key!.Name, Is.EqualTo("persist"));
        Assert.That(key.ExpiresAt, Is.Not.Null);

        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.That(command.ExecuteScalar(), Is.EqualTo("wal"));
    }

    [Test]
    public void Logs_NameKeysByPrefixOnly()
    {
        var logger = new CapturingLogger<ApiKeyStore>();
        using var store = new ApiKeyStore(_directory.File("keys.db"), logger: logger);
        var created = store.Create(new ApiKeySpec { Name = "logged" });
        store.Authenticate(created.RawKey);
        store.Revoke(created.Key.Id);

        Assert.That(logger.Entries.Select(e => e.Text), Has.Some.Contains(created.Key.Prefix));
        Assert.That(logger.Entries.Select(e => e.Text), Has.None.Contains(created.RawKey[3..]));
    }

    [Test]
    public void Create_InvalidSpec_Throws()
    {
        using var store = new ApiKeyStore(_directory.File("keys.db"));
        Assert.Throws<ArgumentException>(() => store.Create(new ApiKeySpec { Name = " " }));
        Assert.Throws<ArgumentException>(() => store.Create(new ApiKeySpec { Name = "x", RequestsPerMinute = 0 }));
        Assert.Throws<ArgumentException>(() => store.Create(new ApiKeySpec { Name = "x", AllowedModels = ["a,b"] }));
    }

    private static void AssertNoSecrets(string databasePath, List<string> rawKeys)
    {
        var files = new[] { databasePath, databasePath + "-wal", databasePath + "-shm" }.Where(File.Exists).ToList();
        Assert.That(files, Is.Not.Empty);
        foreach (var file in files)
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var memory = new MemoryStream())
            {
                stream.CopyTo(memory);
                bytes = memory.ToArray();
            }

            foreach (var raw in rawKeys)
            {
                // The secret part alone, so neither the raw key nor any encoding of it with its scheme slips by.
                var secret = Encoding.UTF8.GetBytes(raw[3..]);
                Assert.That(bytes.AsSpan().IndexOf(secret), Is.EqualTo(-1), $"{Path.GetFileName(file)} contains a raw key");
            }
        }
    }
}
