using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Inference.Server.Web;

/// <summary>The built pages and their assets on disk. The folder may be missing (the npm build has not run): the
/// pages then explain how to build them, and the rest of the service is unaffected.</summary>
internal sealed class WebAssets
{
    public const string DefaultFolder = "web";

    public WebAssets(IOptions<WebOptions> options)
    {
        var root = options.Value.Root;
        Root = Path.GetFullPath(string.IsNullOrWhiteSpace(root) ? Path.Combine(AppContext.BaseDirectory, DefaultFolder) : root);
        // A folder built after start-up is only served after a restart, as the message for a missing page says.
        Files = Directory.Exists(Root) ? new PhysicalFileProvider(Root) : new NullFileProvider();
    }

    /// <summary>The folder the pages are served from.</summary>
    public string Root { get; }

    /// <summary>The folder's files.</summary>
    public IFileProvider Files { get; }

    /// <summary>The page at <paramref name="relativePath"/>, or null when it is not built.</summary>
    public string? Page(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        return File.Exists(path) ? path : null;
    }
}
