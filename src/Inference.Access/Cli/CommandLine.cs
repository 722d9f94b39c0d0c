using System.Globalization;

namespace Inference.Access.Cli;

/// <summary>A minimal <c>--name value</c> / <c>--flag</c> parser: the key commands need no more.</summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "admin" };

    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    internal List<string> Positionals { get; } = [];

    internal static CommandLine Parse(string[] args)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                line.Positionals.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (!Flags.Contains(name))
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"--{name} needs a value.");
                }

                value = args[++i];
            }

            if (!line._options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice.");
            }
        }

        return line;
    }

    internal void Allow(params string[] names)
    {
        foreach (var name in _options.Keys)
        {
            if (Array.IndexOf(names, name) < 0)
            {
                throw new UsageException($"Unknown option --{name}.");
            }
        }
    }

    internal void NoPositionals()
    {
        if (Positionals.Count > 0)
        {
            throw new UsageException($"Unexpected argument '{Positionals[0]}'.");
        }
    }

    internal string? Value(string name) => _options.GetValueOrDefault(name);

    internal bool Flag(string name) => _options.ContainsKey(name);

    internal int? PositiveInt(string name)
    {
        if (Value(name) is not { } text)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new UsageException($"--{name} must be a positive whole number, got '{text}'.");
        }

        return value;
    }
}
