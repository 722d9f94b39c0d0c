using Inference.Access.Keys;
using Microsoft.Data.Sqlite;

namespace Inference.Tests.Shared;

/// <summary>What a key database looks like after its writer was killed: SQLite's integrity check, and which of the keys
/// reported created it does not authenticate (by display prefix, never the key). The crash tests of the access library
/// (its harness process) and of the server (its admin API) both ask this.</summary>
internal static class KeyDatabaseAfterCrash
{
    public static (string Integrity, IReadOnlyList<string> MissingPrefixes, int Stored) Inspect(string path, IReadOnlyCollection<string> reportedKeys)
    {
        string integrity;
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check;";
            integrity = Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }

        using var store = new ApiKeyStore(path);
        var missing = reportedKeys.Where(k => !store.Authenticate(k).Succeeded).Select(k => k[..11]).ToList();
        return (integrity, missing, store.List().Count);
    }
}
