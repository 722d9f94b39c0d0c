namespace Inference.Server.Auth;

/// <summary>
/// Where the development key store lives when nothing is configured on a loopback address: a fresh temporary folder,
/// deleted when the server stops. A real SQLite store rather than an in-memory list, so the admin API and revocation
/// behave in development exactly as they do in production; a throwaway one, so development keys never outlive the
/// process that printed them.
/// </summary>
internal sealed class DevelopmentKeyFolder : IDisposable
{
    private readonly Lazy<string> _folder = new(() => Directory.CreateTempSubdirectory("inference-dev-keys-").FullName);

    public string DatabasePath => Path.Combine(_folder.Value, "keys.db");

    public void Dispose()
    {
        if (!_folder.IsValueCreated)
        {
            return;
        }

        try
        {
            Directory.Delete(_folder.Value, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the folder is in the temp directory, which the OS cleans.
        }
    }
}
