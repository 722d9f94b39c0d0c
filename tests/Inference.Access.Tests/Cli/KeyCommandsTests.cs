using Inference.Access.Cli;
using Inference.Access.Keys;
using Inference.Access.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Inference.Access.Tests.Cli;

public sealed class KeyCommandsTests
{
    private TempDirectory _directory = null!;
    private string _db = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _db = _directory.File("keys.db");
    }

    [TearDown]
    public void TearDown()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Test]
    public void Create_PrintsTheKeyOnce_AndStoresItsSpec()
    {
        var (code, output, error) = Run("keys", "create", "--name", "alice", "--models", "tiny-chat, embed",
            "--rpm", "60", "--tpm", "10000", "--concurrency", "4", "--expires", "2999-12-31", "--admin", "--db", _db);

        Assert.That(code, Is.EqualTo(KeyCommands.ExitOk), error);
        var raw = output.Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        using var store = new ApiKeyStore(_db);
        var key = store.Authenticate(raw).Key;
        Assert.That(key, Is.Not.Null);
        Assert.That(key!.AllowedModels, Is.EqualTo(new[] { "tiny-chat", "embed" }));
        Assert.That(key.Limits, Is.EqualTo(new Access.Limits.RateLimits(60, 10000, 4)));
        Assert.That(key.ExpiresAt, Is.EqualTo(new DateTimeOffset(2999, 12, 31, 0, 0, 0, TimeSpan.Zero)));
        Assert.That(key.IsAdmin, Is.True);
    }

    [Test]
    public void List_ShowsPrefixesButNeverKeys_AndRevokeMarksThem()
    {
        var (_, created, _) = Run("create", "--name", "bob", "--db", _db);
        var raw = created.Split('\n').Single(l => l.StartsWith("key:", StringComparison.Ordinal))[4..].Trim();
        var id = created.Split('\n').Single(l => l.StartsWith("id:", StringComparison.Ordinal))[3..].Trim();

        var (listCode, list, _) = Run("list", "--db", _db);
        Assert.That(listCode, Is.EqualTo(KeyCommands.ExitOk));
        Assert.That(list, Does.Contain(raw[..11]).And.Contain("active").And.Not.Contain(raw));

        var (revokeCode, revoked, revokeError) = Run("revoke", id, "--db", _db);
        Assert.That(revokeCode, Is.EqualTo(KeyCommands.ExitOk), revokeError);
        Assert.That(revoked, Does.Contain("Revoked"));
        Assert.That(Run("list", "--db", _db).Output, Does.Contain("revoked"));
        Assert.That(Run("revoke", "key_nope", "--db", _db).Code, Is.EqualTo(KeyCommands.ExitFailure));
    }

    [TestCase(new string[0], "Usage")]
    [TestCase(new[] { "frobnicate" }, "Unknown command")]
    [TestCase(new[] { "create" }, "--name")]
    [TestCase(new[] { "create", "--name" }, "--name needs a value")]
    [TestCase(new[] { "create", "--name", "x", "--rpm", "fast" }, "--rpm must be a positive whole number")]
    [TestCase(new[] { "create", "--name", "x", "--rpm", "0" }, "--rpm must be a positive whole number")]
    [TestCase(new[] { "create", "--name", "x", "--expires", "tomorrow" }, "is not a date")]
    [TestCase(new[] { "create", "--name", "x", "--expires", "2001-01-01" }, "in the past")]
    [TestCase(new[] { "create", "--name", "x", "--colour", "red" }, "Unknown option --colour")]
    [TestCase(new[] { "revoke" }, "exactly one key")]
    [TestCase(new[] { "list", "extra" }, "Unexpected argument")]
    public void BadCommandLine_IsAUsageError(string[] args, string expected)
    {
        var (code, _, error) = Run([.. args, "--db", _db]);
        if (args.Length == 0)
        {
            (code, _, error) = Run();
        }

        Assert.That(code, Is.EqualTo(KeyCommands.ExitUsage));
        Assert.That(error, Does.Contain(expected));
        Assert.That(error, Does.Contain("Usage:"));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = KeyCommands.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
