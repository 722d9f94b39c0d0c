using System.Globalization;
using Inference.Access.Keys;
using Microsoft.Data.Sqlite;

namespace Inference.Access.Cli;

/// <summary>
/// <c>inference keys create|list|revoke</c>. The server executable hands its arguments here, so this prints
/// to the writers it is given and returns an exit code instead of exiting.
/// </summary>
public static class KeyCommands
{
    /// <summary>Success.</summary>
    public const int ExitOk = 0;

    /// <summary>The command ran and failed (key not found, database error).</summary>
    public const int ExitFailure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int ExitUsage = 2;

    private const string Usage = """
        Usage:
          inference keys create --name NAME [--models a,b] [--rpm N] [--tpm N] [--concurrency N]
                                [--expires DATE] [--admin] [--db PATH]
          inference keys list [--db PATH]
          inference keys revoke ID|PREFIX [--db PATH]

        --db defaults to $INFERENCE_KEYS_DB, or inference-keys.db in the current directory.
        --expires takes an ISO 8601 date or time (UTC unless an offset is given), e.g. 2026-12-31.
        """;

    /// <summary>Runs a keys command.</summary>
    /// <param name="args">Arguments after <c>inference</c>; a leading <c>keys</c> is accepted and skipped.</param>
    /// <param name="output">Where results go (the raw key of <c>create</c> included).</param>
    /// <param name="error">Where errors and usage go.</param>
    /// <returns>0 on success, 1 on failure, 2 on a usage error.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        var arguments = args.Length > 0 && args[0] == "keys" ? args[1..] : args;
        if (arguments.Length == 0 || arguments[0] is "-h" or "--help" or "help")
        {
            (arguments.Length == 0 ? error : output).WriteLine(Usage);
            return arguments.Length == 0 ? ExitUsage : ExitOk;
        }

        CommandLine parsed;
        try
        {
            parsed = CommandLine.Parse(arguments[1..]);
        }
        catch (UsageException exception)
        {
            return UsageError(error, exception.Message);
        }

        try
        {
            return arguments[0] switch
            {
                "create" => Create(parsed, output, error),
                "list" => List(parsed, output, error),
                "revoke" => Revoke(parsed, output, error),
                _ => UsageError(error, $"Unknown command '{arguments[0]}'."),
            };
        }
        catch (UsageException exception)
        {
            return UsageError(error, exception.Message);
        }
        catch (SqliteException exception)
        {
            error.WriteLine($"error: key database: {exception.Message}");
            return ExitFailure;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            error.WriteLine($"error: {exception.Message}");
            return ExitFailure;
        }
    }

    private static int Create(CommandLine command, TextWriter output, TextWriter error)
    {
        command.Allow("name", "models", "rpm", "tpm", "concurrency", "expires", "admin", "db");
        command.NoPositionals();
        var name = command.Value("name");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new UsageException("create needs --name NAME.");
        }

        var models = command.Value("models") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        var expires = command.Value("expires") is { } text ? ParseExpiry(text) : (DateTimeOffset?)null;
        if (expires is { } e && e <= DateTimeOffset.UtcNow)
        {
            throw new UsageException($"--expires {command.Value("expires")} is in the past.");
        }

        var spec = new ApiKeySpec
        {
            Name = name,
            AllowedModels = models,
            RequestsPerMinute = command.PositiveInt("rpm"),
            TokensPerMinute = command.PositiveInt("tpm"),
            MaxConcurrency = command.PositiveInt("concurrency"),
            ExpiresAt = expires,
            IsAdmin = command.Flag("admin"),
        };

        using var store = new ApiKeyStore(DatabasePath(command));
        var created = store.Create(spec);
        var key = created.Key;
        output.WriteLine($"id:      {key.Id}");
        output.WriteLine($"name:    {key.Name}");
        output.WriteLine($"prefix:  {key.Prefix}");
        output.WriteLine($"models:  {(key.AllowedModels.Count == 0 ? "all" : string.Join(',', key.AllowedModels))}");
        output.WriteLine($"limits:  rpm={Show(key.RequestsPerMinute)} tpm={Show(key.TokensPerMinute)} concurrency={Show(key.MaxConcurrency)}");
        output.WriteLine($"expires: {(key.ExpiresAt is { } x ? x.ToString("u", CultureInfo.InvariantCulture) : "never")}");
        output.WriteLine($"admin:   {(key.IsAdmin ? "yes" : "no")}");
        output.WriteLine($"key:     {created.RawKey}");
        output.WriteLine();
        output.WriteLine("Store this key now: it is shown only once and cannot be recovered.");
        output.Flush();
        _ = error;
        return ExitOk;
    }

    private static int List(CommandLine command, TextWriter output, TextWriter error)
    {
        command.Allow("db");
        command.NoPositionals();
        using var store = new ApiKeyStore(DatabasePath(command));
        var keys = store.List();
        if (keys.Count == 0)
        {
            error.WriteLine($"No keys in {store.Path}.");
            return ExitOk;
        }

        var now = DateTimeOffset.UtcNow;
        output.WriteLine($"{"ID",-20}  {"PREFIX",-11}  {"NAME",-16}  {"STATUS",-7}  {"ADMIN",-5}  {"RPM",7}  {"TPM",9}  {"CONC",5}  {"EXPIRES",-20}  MODELS");
        foreach (var key in keys)
        {
            var status = key.RevokedAt is not null ? "revoked" : key.ExpiresAt is { } x && x <= now ? "expired" : "active";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{key.Id,-20}  {key.Prefix,-11}  {key.Name,-16}  {status,-7}  {(key.IsAdmin ? "yes" : "no"),-5}  {Show(key.RequestsPerMinute),7}  {Show(key.TokensPerMinute),9}  {Show(key.MaxConcurrency),5}  {(key.ExpiresAt is { } e ? e.ToString("u", CultureInfo.InvariantCulture) : "never"),-20}  {(key.AllowedModels.Count == 0 ? "all" : string.Join(',', key.AllowedModels))}"));
        }

        return ExitOk;
    }

    private static int Revoke(CommandLine command, TextWriter output, TextWriter error)
    {
        command.Allow("db");
        if (command.Positionals.Count != 1)
        {
            throw new UsageException("revoke needs exactly one key id (key_...) or prefix (sk-xxxxxxxx).");
        }

        var target = command.Positionals[0];
        using var store = new ApiKeyStore(DatabasePath(command));
        switch (store.Revoke(target))
        {
            case RevokeResult.Revoked:
                output.WriteLine($"Revoked {target}.");
                return ExitOk;
            case RevokeResult.AlreadyRevoked:
                output.WriteLine($"{target} was already revoked.");
                return ExitOk;
            case RevokeResult.Ambiguous:
                error.WriteLine($"error: prefix {target} matches several keys; revoke by id (see 'inference keys list').");
                return ExitFailure;
            default:
                error.WriteLine($"error: no key with id or prefix {target}.");
                return ExitFailure;
        }
    }

    private static string DatabasePath(CommandLine command) =>
        command.Value("db") is { Length: > 0 } path ? path : AccessOptions.ResolveDefaultKeysDatabasePath();

    private static DateTimeOffset ParseExpiry(string text)
    {
        if (DateTimeOffset.TryParse(
                text,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var value))
        {
            return value;
        }

        throw new UsageException($"--expires '{text}' is not a date (use ISO 8601, e.g. 2026-12-31 or 2026-12-31T18:00:00Z).");
    }

    private static string Show(int? value) =>
        value is { } v ? v.ToString(CultureInfo.InvariantCulture) : "-";

    private static int UsageError(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        error.WriteLine();
        error.WriteLine(Usage);
        return ExitUsage;
    }
}
