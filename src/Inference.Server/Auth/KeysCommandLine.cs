using Microsoft.Extensions.Configuration;

namespace Inference.Server.Auth;

/// <summary>
/// <c>inference keys ...</c>: the access library's key commands, pointed at the key store the server is configured
/// with (<c>Inference:Auth:KeysDatabasePath</c> in appsettings.json or the environment) unless <c>--db</c> names one.
/// </summary>
internal static class KeysCommandLine
{
    public const string Command = "keys";

    public static int Run(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        return Access.Cli.KeyCommands.Run(WithDatabase(args, configuration), Console.Out, Console.Error);
    }

    /// <summary>Adds <c>--db</c> from configuration when a subcommand is given without one. Without either, the
    /// commands fall back to <c>INFERENCE_KEYS_DB</c>, then to inference-keys.db.</summary>
    internal static string[] WithDatabase(string[] args, IConfiguration configuration)
    {
        var path = configuration[$"{AuthOptions.Section}:{nameof(AuthOptions.KeysDatabasePath)}"];
        var named = Array.Exists(args, a => a == "--db" || a.StartsWith("--db=", StringComparison.Ordinal));
        return args.Length < 2 || named || string.IsNullOrWhiteSpace(path) ? args : [.. args, "--db", path];
    }
}
