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

    public void Write() => WriteTo(
        Path.Combine(ProjectFolder(), "RESULTS.md"),
        "Benchmark results",
        "make bench",
        "Every ratio compares two measurements taken in the same run, alternating A and B, medians.");

    /// <summary>Writes the sections under a heading naming the command, the time and the machine.</summary>
    public void WriteTo(string path, string title, string command, string method)
    {
        string header =
            $"# {title}\n\n" +
            $"Written by `{command}` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, " +
            $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}. " +
            method + "\n\n";
        File.WriteAllText(path, header + _text);
        Console.WriteLine($"Results written to {path}");
    }

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
