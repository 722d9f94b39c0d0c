using System.Collections;
using System.Globalization;
using System.Net;
using static Inference.Engine.Templates.TemplateRuntime;

namespace Inference.Engine.Templates;

/// <summary>Jinja's built-in filters that chat templates use, and transformers' <c>tojson</c>.</summary>
internal static class TemplateFilters
{
    public static object? Apply(
        string name, object? value, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, TemplateRenderer renderer)
    {
        object? Arg(int index, string keyword, object? fallback = null) =>
            index < arguments.Count ? arguments[index] : keywords.TryGetValue(keyword, out var v) ? v : fallback;

        switch (name)
        {
            case "default" or "d":
                bool boolean = Truthy(Arg(1, "boolean", false));
                return value is Undefined || (boolean && !Truthy(value)) ? Arg(0, "default_value", "") : value;
            case "trim":
                return TemplateMembers.Strip(Text(value), Arg(0, "chars") is string chars ? [chars] : [], true, true);
            case "length" or "count":
                return value switch
                {
                    Undefined => 0L,
                    string s => (long)s.EnumerateRunes().Count(),
                    ICollection c => (long)c.Count,
                    _ => throw new TemplateEvaluationException($"object of type '{TypeName(value)}' has no len()"),
                };
            case "list":
                return Iterate(value).ToList();
            case "string":
                return PythonFormat.Str(value);
            case "tojson":
                return PythonFormat.Json(
                    value,
                    Arg(0, "indent") is { } indent ? (int)ToLong(indent) : null,
                    Truthy(Arg(1, "sort_keys", false)),
                    null);
            case "upper":
                return Text(value).ToUpperInvariant();
            case "lower":
                return Text(value).ToLowerInvariant();
            case "title":
                return TemplateMembers.Title(Text(value));
            case "capitalize":
                return TemplateMembers.Capitalize(Text(value));
            case "replace":
            {
                string text = Text(value);
                string old = PythonFormat.Str(Arg(0, "old"));
                string replacement = PythonFormat.Str(Arg(1, "new"));
                return old.Length == 0 ? text : text.Replace(old, replacement, StringComparison.Ordinal);
            }

            case "join":
            {
                string separator = PythonFormat.Str(Arg(0, "d", ""));
                var items = Iterate(value);
                if (Arg(1, "attribute") is { } attribute)
                {
                    items = items.Select(i => TemplateMembers.Item(i, attribute, "item")).ToList();
                }

                return string.Join(separator, items.Select(PythonFormat.Str));
            }

            case "items":
                return value switch
                {
                    Undefined => new List<object?>(),
                    IDictionary d => TemplateRuntime.Entries(d).Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList(),
                    _ => throw new TemplateEvaluationException($"items filter needs a mapping, got '{TypeName(value)}'"),
                };
            case "dictsort":
                return value is IDictionary dict
                    ? TemplateRuntime.Entries(dict).OrderBy(e => PythonFormat.Str(e.Key), StringComparer.OrdinalIgnoreCase)
                        .Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList()
                    : throw new TemplateEvaluationException("dictsort needs a mapping");
            case "first":
                return Iterate(value) is { Count: > 0 } firstItems ? firstItems[0] : Undefined.Instance;
            case "last":
                return Iterate(value) is { Count: > 0 } lastItems ? lastItems[^1] : Undefined.Instance;
            case "reverse":
                return value is string reversed ? new string(reversed.Reverse().ToArray()) : Iterate(value).Reverse().ToList();
            case "unique":
            {
                var unique = new List<object?>();
                foreach (var item in Iterate(value))
                {
                    if (!unique.Any(u => Equal(u, item)))
                    {
                        unique.Add(item);
                    }
                }

                return unique;
            }

            case "sort":
            {
                var items = Iterate(value).ToList();
                var attribute = Arg(2, "attribute");
                object? Key(object? item) => attribute is null ? item : TemplateMembers.Item(item, attribute, "item");
                items.Sort((a, b) => Compare(Key(a), Key(b), "<"));
                if (Truthy(Arg(0, "reverse", false)))
                {
                    items.Reverse();
                }

                return items;
            }

            case "selectattr" or "rejectattr":
            {
                bool select = name == "selectattr";
                string attribute = PythonFormat.Str(arguments[0]);
                return Iterate(value).Where(item =>
                {
                    var field = TemplateMembers.Item(item, attribute, "item");
                    bool passes = arguments.Count > 1
                        ? TemplateTests.Apply(PythonFormat.Str(arguments[1]), field, arguments.Skip(2).ToList())
                        : Truthy(field);
                    return passes == select;
                }).ToList();
            }

            case "select" or "reject":
            {
                bool select = name == "select";
                return Iterate(value).Where(item =>
                {
                    bool passes = arguments.Count > 0
                        ? TemplateTests.Apply(PythonFormat.Str(arguments[0]), item, arguments.Skip(1).ToList())
                        : Truthy(item);
                    return passes == select;
                }).ToList();
            }

            case "map":
                if (keywords.TryGetValue("attribute", out var mapAttribute))
                {
                    return Iterate(value).Select(i =>
                    {
                        var field = TemplateMembers.Item(i, mapAttribute, "item");
                        return field is Undefined && keywords.TryGetValue("default", out var fallback) ? fallback : field;
                    }).ToList();
                }

                return Iterate(value).Select(i => Apply(PythonFormat.Str(arguments[0]), i, arguments.Skip(1).ToList(), new Dictionary<string, object?>(), renderer)).ToList();
            case "indent":
            {
                long width = ToLong(Arg(0, "width", 4L));
                bool first = Truthy(Arg(1, "first", false));
                bool blank = Truthy(Arg(2, "blank", false));
                string pad = new(' ', (int)width);
                var lines = Text(value).Split('\n');
                for (int i = 0; i < lines.Length; i++)
                {
                    if ((i > 0 || first) && (blank || lines[i].Length > 0))
                    {
                        lines[i] = pad + lines[i];
                    }
                }

                return string.Join('\n', lines);
            }

            case "safe":
                return value;
            case "e" or "escape":
                return WebUtility.HtmlEncode(PythonFormat.Str(value)).Replace("&#39;", "&#39;", StringComparison.Ordinal);
            case "int":
                return value switch
                {
                    long l => l,
                    double dd => (long)dd,
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) => parsed,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => (long)parsed,
                    _ => Arg(0, "default", 0L),
                };
            case "float":
                return value switch
                {
                    long l => (double)l,
                    double dd => dd,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
                    _ => Arg(0, "default", 0.0),
                };
            case "abs":
                return value is long al ? (object)Math.Abs(al) : Math.Abs(ToDouble(value));
            case "round":
            {
                int precision = (int)ToLong(Arg(0, "precision", 0L));
                string method = PythonFormat.Str(Arg(1, "method", "common"));
                double number = ToDouble(value);
                double factor = Math.Pow(10, precision);
                return method switch
                {
                    "ceil" => Math.Ceiling(number * factor) / factor,
                    "floor" => Math.Floor(number * factor) / factor,
                    _ => Math.Round(number, precision, MidpointRounding.AwayFromZero),
                };
            }

            case "wordcount":
                return (long)Text(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            case "center":
            {
                string text = Text(value);
                int width = (int)ToLong(Arg(0, "width", 80L));
                int total = Math.Max(0, width - text.Length);
                int left = total / 2;
                return new string(' ', left) + text + new string(' ', total - left);
            }

            case "batch" or "slice":
                throw new TemplateEvaluationException($"filter '{name}' is not supported");
            default:
                throw new TemplateEvaluationException($"no filter named '{name}'");
        }
    }

    private static string Text(object? value) => value is Undefined ? "" : PythonFormat.Str(value);
}
