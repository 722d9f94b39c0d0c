namespace Inference.Server.Auth;

/// <summary>Where the development key is printed: standard output, never a logger, so no log sink ever holds a
/// usable key. Tests register their own writer.</summary>
internal sealed class StartupConsole(TextWriter writer)
{
    public TextWriter Writer { get; } = writer;
}
