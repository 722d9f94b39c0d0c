using System.Globalization;
using System.Text;

namespace Inference.Benchmarks;

/// <summary>Collects each suite's table and writes them to RESULTS.md (linked from the README).</summary>
internal sealed class MarkdownReport
{
    private readonly StringBuilder _text = new();

    public void Section(string title, string preamble, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        _text.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine().AppendLine(preamble).AppendLine();
        _text.AppendLine("| " + string.Join(" | ", header) + " |");
        _text.AppendLine("|" + string.Concat(header.Select(_ => " --- |")));
        foreach (var row in rows)
        {
            _text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        _text.AppendLine();
    }

    /// <summary>Writes this run's sections into RESULTS.md, replacing the sections of the same title and keeping the
    /// others, so running one suite does not erase the figures of the rest.</summary>
    public void Write()
    {
        string path = Path.Combine(ProjectFolder(), "RESULTS.md");
        var sections = File.Exists(path) ? Sections(File.ReadAllText(path)) : [];
        foreach (var (title, text) in Sections(_text.ToString()))
        {
            var section = (title, $"{text.TrimEnd()}\n\n_Section written {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{CommitNote}._\n\n");
            int at = sections.FindIndex(s => s.Title == title);
            if (at >= 0)
            {
                sections[at] = section;
            }
            else
            {
                sections.Add(section);
            }
        }

        string header = Header("Benchmark results", "make bench",
            "A suite run on its own replaces only its own section. Every ratio compares two measurements taken in the same run, alternating A and B, medians.");
        File.WriteAllText(path, header + string.Concat(sections.Select(s => s.Text)));
        Console.WriteLine($"Results written to {path}");
    }

    /// <summary>
    /// The section of that title as RESULTS.md holds it before this run writes it (the previous run's figures), or
    /// null: its table rows and when it was written, so a suite can show the previous run beside its own.
    /// </summary>
    public static PreviousSection? Previous(string title)
    {
        string path = Path.Combine(ProjectFolder(), "RESULTS.md");
        if (!File.Exists(path) || Sections(File.ReadAllText(path)).FirstOrDefault(s => s.Title == title).Text is not { } text)
        {
            return null;
        }

        var lines = text.Split('\n');
        var rows = lines.Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1)
            .Select(l => l.Trim().Trim('|').Split(" | ").Select(c => c.Trim()).ToArray())
            .ToList();
        string written = lines.FirstOrDefault(l => l.StartsWith("_Section written ", StringComparison.Ordinal)) is { } stamp
            ? stamp["_Section written ".Length..].TrimEnd('_', '.')
            : "an earlier run";
        return new PreviousSection(rows, written);
    }

    /// <summary>A section of an earlier run: its table rows (cells) and when it was written.</summary>
    public sealed record PreviousSection(IReadOnlyList<string[]> Rows, string Written)
    {
        /// <summary>The cell at <paramref name="column"/> of the row whose first cells are <paramref name="key"/>.</summary>
        public string? Cell(int column, params string[] key) =>
            Rows.FirstOrDefault(r => r.Length > column && key.Select((k, i) => r[i] == k).All(x => x)) is { } row ? row[column] : null;
    }

    /// <summary>" at commit abc1234" (with "+changes" when the sources differ from it), or nothing outside a git checkout.</summary>
    private static string CommitNote
    {
        get
        {
            string? commit = Git("rev-parse --short HEAD")?.Trim();
            if (string.IsNullOrEmpty(commit))
            {
                return "";
            }

            // The results files themselves do not count: every run changes them.
            string? changes = Git("status --porcelain --untracked-files=no -- :(top) :(top,exclude,glob)**/RESULTS*.md");
            return $" at commit {commit}{(string.IsNullOrWhiteSpace(changes) ? "" : "+changes")}";
        }
    }

    private static string? Git(string arguments)
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = ProjectFolder(),
            };
            using var git = System.Diagnostics.Process.Start(start);
            if (git is null)
            {
                return null;
            }

            string output = git.StandardOutput.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }

    /// <summary>Writes this run's sections alone under a heading naming the command, the time and the machine.</summary>
    public void WriteTo(string path, string title, string command, string method)
    {
        File.WriteAllText(path, Header(title, command, method) + _text);
        Console.WriteLine($"Results written to {path}");
    }

    /// <summary>The <c>## title</c> sections of a report, each with its text (heading included), in order.</summary>
    private static List<(string Title, string Text)> Sections(string markdown)
    {
        var sections = new List<(string Title, string Text)>();
        foreach (string part in ("\n" + markdown).Split("\n## ").Skip(1))
        {
            string title = part[..part.IndexOf('\n', StringComparison.Ordinal)].Trim();
            sections.Add((title, "## " + part.TrimEnd() + "\n\n"));
        }

        return sections;
    }

    private static string Header(string title, string command, string method) =>
        $"# {title}\n\n" +
        $"Written by `{command}` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
        $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}. {method}\n\n";

    /// <summary>The project folder, found from the binary's location (bin/Release/net10.0/ below it).</summary>
    public static string ProjectFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Inference.Benchmarks.csproj")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? Directory.GetCurrentDirectory();
    }

    public static string Format(double value, string format = "F1") => value.ToString(format, CultureInfo.InvariantCulture);
}
