using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Inference.Access.Keys;

/// <summary>Schema and connection settings of the key database, versioned with <c>PRAGMA user_version</c>.</summary>
internal static class KeySchema
{
    internal const string Columns =
        "id, name, prefix, allowed_models, rpm, tpm, max_concurrency, expires_at, is_admin, created_at, revoked_at";

    private const int CurrentVersion = 1;

    /// <summary>
    /// WAL lets readers (other replicas, the CLI) work while a key is written; synchronous=FULL syncs the WAL
    /// on every commit, so a key reported as created survives a crash or power loss, not only a killed process.
    /// </summary>
    internal static void Configure(SqliteConnection connection)
    {
        Execute(connection, "PRAGMA journal_mode=WAL;");
        Execute(connection, "PRAGMA synchronous=FULL;");
    }

    internal static void Migrate(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        var version = Convert.ToInt32(Scalar(connection, transaction, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The key database has schema version {version}, newer than this build understands ({CurrentVersion}).");
        }

        if (version < 1)
        {
            Execute(connection, """
                CREATE TABLE IF NOT EXISTS api_keys (
                    id              TEXT    NOT NULL PRIMARY KEY,
                    name            TEXT    NOT NULL,
                    prefix          TEXT    NOT NULL,
                    key_hash        TEXT    NOT NULL UNIQUE,
                    allowed_models  TEXT    NOT NULL DEFAULT '',
                    rpm             INTEGER NULL,
                    tpm             INTEGER NULL,
                    max_concurrency INTEGER NULL,
                    expires_at      INTEGER NULL,
                    is_admin        INTEGER NOT NULL DEFAULT 0,
                    created_at      INTEGER NOT NULL,
                    revoked_at      INTEGER NULL
                );
                CREATE INDEX IF NOT EXISTS ix_api_keys_prefix ON api_keys (prefix);
                """, transaction);
        }

        // Later migrations go here as `if (version < N) { ... }` steps.
        Execute(connection, $"PRAGMA user_version = {CurrentVersion};", transaction);
        transaction.Commit();
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
