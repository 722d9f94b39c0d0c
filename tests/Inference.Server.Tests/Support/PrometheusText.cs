using System.Globalization;

namespace Inference.Server.Tests.Support;

/// <summary>One sample of a Prometheus text exposition: <c>name{label="value",...} value</c>.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A strict little parser of the Prometheus text format: a line that is neither a comment nor a sample
/// fails the parse, so the test proves the whole page is well-formed.</summary>
internal static class PrometheusText
{
    public static List<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseSample(line));
        }

        return samples;
    }

    /// <summary>The sum over samples of one name whose labels include every given pair.</summary>
    public static double Sum(this IEnumerable<PrometheusSample> samples, string name, params (string Label, string Value)[] where) =>
        samples.Where(s => s.Name == name && where.All(w => s.Labels.TryGetValue(w.Label, out var v) && v == w.Value)).Sum(s => s.Value);

    private static PrometheusSample ParseSample(string line)
    {
        var at = 0;
        while (at < line.Length && (char.IsAsciiLetterOrDigit(line[at]) || line[at] is '_' or ':'))
        {
            at++;
        }

        if (at == 0 || char.IsAsciiDigit(line[0]))
        {
            throw new FormatException($"No metric name: {line}");
        }

        var name = line[..at];
        var labels = new Dictionary<string, string>();
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                var equals = line.IndexOf('=', at);
                var label = line[at..equals];
                if (label.Length == 0 || line[equals + 1] != '"')
                {
                    throw new FormatException($"Bad label at {at}: {line}");
                }

                var value = new System.Text.StringBuilder();
                at = equals + 2;
                while (line[at] != '"')
                {
                    if (line[at] == '\\')
                    {
                        at++;
                        value.Append(line[at] == 'n' ? '\n' : line[at]);
                    }
                    else
                    {
                        value.Append(line[at]);
                    }

                    at++;
                }

                labels[label] = value.ToString();
                at++;
                if (line[at] == ',')
                {
                    at++;
                }
                else if (line[at] != '}')
                {
                    throw new FormatException($"Expected , or }} at {at}: {line}");
                }
            }

            at++;
        }

        if (at >= line.Length || line[at] != ' ')
        {
            throw new FormatException($"Expected a space before the value: {line}");
        }

        // A value, then an optional timestamp.
        var parts = line[(at + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2)
        {
            throw new FormatException($"Expected a value and an optional timestamp: {line}");
        }

        var number = parts[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        if (parts.Length == 2)
        {
            _ = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        return new PrometheusSample(name, labels, number);
    }
}
