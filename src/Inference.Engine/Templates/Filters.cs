using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Inference.Engine.Templates;

/// <summary>Jinja's built-in filters, with transformers' <c>tojson</c> override.</summary>
internal static partial class Filters
{
    private delegate object? Filter(Evaluator evaluator, object? value, CallArgs args);

    private static readonly Dictionary<string, Filter> All = Create();

    [GeneratedRegex(@"\w+")]
    private static partial Regex WordRegex();

    [GeneratedRegex(@"([-\s({\[<]+)")]
    private static partial Regex WordBeginningSplit();

    public static bool Exists(string name) => All.ContainsKey(name);

    public static object? Apply(Evaluator evaluator, string name, object? value, CallArgs args) =>
        All.TryGetValue(name, out Filter? filter)
            ? filter(evaluator, PyOps.Normalize(value), args)
            : throw new TemplateEvaluationException($"No filter named '{name}'");

    private static Dictionary<string, Filter> Create()
    {
        var f = new Dictionary<string, Filter>(StringComparer.Ordinal)
        {
            ["abs"] = (_, v, _) => v switch
            {
                long l => (object)Math.Abs(l),
                double d => (object)Math.Abs(d),
                bool b => (object)(b ? 1L : 0L),
                _ => throw new TemplateEvaluationException($"TypeError: bad operand type for abs(): '{PyOps.TypeName(v)}'"),
            },
            ["attr"] = (_, v, a) => PyOps.GetAttr(v, PyRepr.Str(a.Get(0, "name"))),
            ["capitalize"] = (_, v, _) => PyStr.Capitalize(PyRepr.Str(v)),
            ["center"] = (_, v, a) => Center(PyRepr.Str(v), (int)(a.Get(0, "width", 80L) as long? ?? 80)),
            ["default"] = (_, v, a) =>
                v is Undefined || (PyOps.Truthy(a.Get(1, "boolean", false)) && !PyOps.Truthy(v)) ? a.Get(0, "default_value", "") : v,
            ["dictsort"] = (_, v, a) => DictSort(v, a),
            ["escape"] = (_, v, _) => Escape(PyRepr.Str(v)),
            ["first"] = (_, v, _) => PyOps.Iterate(v) is { Count: > 0 } l ? l[0] : new Undefined("first"),
            ["last"] = (_, v, _) => PyOps.Iterate(v) is { Count: > 0 } l ? l[^1] : new Undefined("last"),
            ["float"] = (_, v, a) => ToFloat(v, a.Get(0, "default", 0.0)),
            ["indent"] = (_, v, a) => Indent(PyRepr.Str(v), a),
            ["int"] = (_, v, a) => ToInt(v, a.Get(0, "default", 0L), a.Get(1, "base", 10L)),
            ["items"] = (_, v, _) => v switch
            {
                Undefined => new List<object?>(),
                IReadOnlyDictionary<string, object?> d => Methods.Invoke(d, "items", CallArgs.None),
                _ => throw new TemplateEvaluationException($"TypeError: Can only get item pairs from a mapping, not {PyOps.TypeName(v)}"),
            },
            ["join"] = (_, v, a) => Join(v, a),
            ["length"] = (_, v, _) => PyOps.Length(v),
            ["list"] = (_, v, _) => new List<object?>(PyOps.Iterate(v)),
            ["lower"] = (_, v, _) => PyRepr.Str(v).ToLowerInvariant(),
            ["map"] = Map,
            ["max"] = (_, v, a) => MinMax(v, a, true),
            ["min"] = (_, v, a) => MinMax(v, a, false),
            ["reject"] = (e, v, a) => Select(e, v, a, false, false),
            ["rejectattr"] = (e, v, a) => Select(e, v, a, false, true),
            ["replace"] = (_, v, a) => Methods.Replace(
                PyRepr.Str(v), PyRepr.Str(a.Get(0, "old")), PyRepr.Str(a.Get(1, "new")), a.Get(2, "count") is long n ? n : -1),
            ["reverse"] = (_, v, _) => v is string s
                ? string.Concat(PyStr.CodePoints(s).AsEnumerable().Reverse())
                : PyOps.Iterate(v).Reverse().ToList(),
            ["round"] = (_, v, a) => Round(v, a),
            ["safe"] = (_, v, _) => v,
            ["select"] = (e, v, a) => Select(e, v, a, true, false),
            ["selectattr"] = (e, v, a) => Select(e, v, a, true, true),
            ["sort"] = (_, v, a) => Sort(v, a),
            ["string"] = (_, v, _) => PyRepr.Str(v),
            ["sum"] = (_, v, a) =>
            {
                object? total = a.Get(1, "start", 0L);
                string? attribute = a.Get(0, "attribute") as string;
                foreach (object? item in PyOps.Iterate(v))
                {
                    total = PyOps.Binary("+", total, attribute is null ? item : GetPath(item, attribute));
                }

                return total;
            },
            ["title"] = (_, v, _) => Title(PyRepr.Str(v)),
            ["tojson"] = (_, v, a) => ToJson(v, a),
            ["trim"] = (_, v, a) => PyStr.Strip(PyRepr.Str(v), a.Get(0, "chars"), true, true),
            ["unique"] = (_, v, a) => Unique(v, a),
            ["upper"] = (_, v, _) => PyRepr.Str(v).ToUpperInvariant(),
            ["wordcount"] = (_, v, _) => (long)WordRegex().Count(PyRepr.Str(v)),
        };
        f["count"] = f["length"];
        f["d"] = f["default"];
        f["e"] = f["escape"];
        return f;
    }

    private static string Center(string s, int width)
    {
        if (s.Length >= width)
        {
            return s;
        }

        // Python's str.center puts the odd extra space on the right only when the padding is odd and width even.
        int total = width - s.Length;
        int left = (total / 2) + (total & width & 1);
        return new string(' ', left) + s + new string(' ', total - left);
    }

    private static string Escape(string s) => s
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);

    /// <summary>Jinja's <c>title</c> filter (not <c>str.title</c>): words start after whitespace, '-', brackets.</summary>
    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (string item in WordBeginningSplit().Split(s))
        {
            if (item.Length > 0)
            {
                sb.Append(char.ToUpperInvariant(item[0])).Append(item[1..].ToLowerInvariant());
            }
        }

        return sb.ToString();
    }

    /// <summary>Looks up a dotted attribute path ("function.name", "0.role") the way Jinja's attrgetter does.</summary>
    private static object? GetPath(object? item, string path)
    {
        foreach (string part in path.Split('.'))
        {
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long index)
                ? PyOps.GetItem(item, index)
                : PyOps.GetItem(item, part);
        }

        return item;
    }

    private static List<object?> Select(Evaluator evaluator, object? value, CallArgs args, bool keep, bool byAttribute)
    {
        int offset = 0;
        string? attribute = null;
        if (byAttribute)
        {
            attribute = PyRepr.Str(args.Get(0, "attribute"));
            offset = 1;
        }

        string? testName = args.Positional.Count > offset ? args.Positional[offset] as string : null;
        var testArgs = new CallArgs(args.Positional.Skip(offset + 1).ToList(), []);
        var result = new List<object?>();
        foreach (object? item in PyOps.Iterate(value))
        {
            object? subject = attribute is null ? item : GetPath(item, attribute);
            bool passed = testName is null ? PyOps.Truthy(subject) : Tests.Apply(evaluator, testName, subject, testArgs);
            if (passed == keep)
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static object? Map(Evaluator evaluator, object? value, CallArgs args)
    {
        var result = new List<object?>();
        if (args.Has(-1, "attribute"))
        {
            string attribute = PyRepr.Str(args.Get(-1, "attribute"));
            bool hasDefault = args.Has(-1, "default");
            foreach (object? item in PyOps.Iterate(value))
            {
                object? v = GetPath(item, attribute);
                result.Add(v is Undefined && hasDefault ? args.Get(-1, "default") : v);
            }

            return result;
        }

        if (args.Positional.Count == 0 || args.Positional[0] is not string filterName)
        {
            throw new TemplateEvaluationException("map requires a filter name or attribute=");
        }

        var filterArgs = new CallArgs(args.Positional.Skip(1).ToList(), args.Named);
        foreach (object? item in PyOps.Iterate(value))
        {
            result.Add(Apply(evaluator, filterName, item, filterArgs));
        }

        return result;
    }

    private static string Join(object? value, CallArgs args)
    {
        string separator = PyRepr.Str(args.Get(0, "d", ""));
        string? attribute = args.Get(1, "attribute") as string;
        var sb = new StringBuilder();
        bool first = true;
        foreach (object? item in PyOps.Iterate(value))
        {
            if (!first)
            {
                sb.Append(separator);
            }

            first = false;
            sb.Append(PyRepr.Str(attribute is null ? item : GetPath(item, attribute)));
        }

        return sb.ToString();
    }

    private static string Indent(string s, CallArgs args)
    {
        object? width = args.Get(0, "width", 4L);
        string indentation = width as string ?? new string(' ', (int)(PyOps.Normalize(width) as long? ?? 4));
        bool first = PyOps.Truthy(args.Get(1, "first", false));
        bool blank = PyOps.Truthy(args.Get(2, "blank", false));
        List<string> lines = [.. (s + "\n").Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n')];
        lines.RemoveAt(lines.Count - 1);
        string rv;
        if (blank)
        {
            rv = string.Join("\n" + indentation, lines);
        }
        else
        {
            var sb = new StringBuilder(lines[0]);
            for (int i = 1; i < lines.Count; i++)
            {
                sb.Append('\n');
                if (lines[i].Length > 0)
                {
                    sb.Append(indentation);
                }

                sb.Append(lines[i]);
            }

            rv = sb.ToString();
        }

        return first ? indentation + rv : rv;
    }

    private static object? ToInt(object? value, object? fallback, object? numberBase)
    {
        switch (value)
        {
            case long or bool:
                return value is bool b ? (b ? 1L : 0L) : value;
            case double d:
                return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                string t = s.Trim(PyStr.WhitespaceChars).Replace("_", "", StringComparison.Ordinal);
                int radix = (int)(PyOps.Normalize(numberBase) as long? ?? 10);
                try
                {
                    if (radix == 10 && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                    {
                        return l;
                    }

                    if (radix is 2 or 8 or 16)
                    {
                        return Convert.ToInt64(t, radix);
                    }
                }
                catch (FormatException)
                {
                    return fallback;
                }

                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && double.IsFinite(f)
                    ? (long)Math.Truncate(f)
                    : fallback;
            default:
                return fallback;
        }
    }

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long l => (double)l,
        double d => d,
        bool b => b ? 1.0 : 0.0,
        string s when double.TryParse(s.Trim(PyStr.WhitespaceChars), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
        _ => fallback,
    };

    private static object? Round(object? value, CallArgs args)
    {
        int precision = (int)(PyOps.Normalize(args.Get(0, "precision", 0L)) as long? ?? 0);
        string method = args.Get(1, "method", "common") as string ?? "common";
        double d = value switch
        {
            long l => l,
            double x => x,
            bool b => b ? 1 : 0,
            _ => throw new TemplateEvaluationException($"TypeError: round() needs a number, got {PyOps.TypeName(value)}"),
        };
        double scale = Math.Pow(10, precision);
        return method switch
        {
            // Python's round() rounds half to even.
            "common" => value is long l2 && precision >= 0 ? (object)l2 : Math.Round(d, Math.Clamp(precision, 0, 15), MidpointRounding.ToEven),
            "ceil" => Math.Ceiling(d * scale) / scale,
            "floor" => Math.Floor(d * scale) / scale,
            _ => throw new TemplateEvaluationException("method must be common, ceil or floor"),
        };
    }

    private static object? SortKey(object? item, string? attribute, bool caseSensitive)
    {
        object? key = attribute is null ? item : GetPath(item, attribute);
        return !caseSensitive && key is string s ? s.ToLowerInvariant() : key;
    }

    private static List<object?> Sort(object? value, CallArgs args)
    {
        bool reverse = PyOps.Truthy(args.Get(0, "reverse", false));
        bool caseSensitive = PyOps.Truthy(args.Get(1, "case_sensitive", false));
        string? attribute = args.Get(2, "attribute") as string;
        var comparer = Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<"));
        IEnumerable<object?> items = PyOps.Iterate(value);
        IOrderedEnumerable<object?> sorted = reverse
            ? items.OrderByDescending(i => SortKey(i, attribute, caseSensitive), comparer)
            : items.OrderBy(i => SortKey(i, attribute, caseSensitive), comparer);
        return [.. sorted];
    }

    private static List<object?> DictSort(object? value, CallArgs args)
    {
        if (value is not IReadOnlyDictionary<string, object?> dict)
        {
            throw new TemplateEvaluationException($"TypeError: dictsort needs a mapping, not {PyOps.TypeName(value)}");
        }

        bool caseSensitive = PyOps.Truthy(args.Get(0, "case_sensitive", false));
        bool byValue = args.Get(1, "by", "key") is "value";
        bool reverse = PyOps.Truthy(args.Get(2, "reverse", false));
        var comparer = Comparer<object?>.Create((x, y) => PyOps.Compare(x, y, "<"));
        IEnumerable<PyTuple> pairs = dict.Select(kv => new PyTuple([kv.Key, PyOps.Normalize(kv.Value)]));
        Func<PyTuple, object?> key = p => SortKey(byValue ? p.Items[1] : p.Items[0], null, caseSensitive);
        return [.. reverse ? pairs.OrderByDescending(key, comparer) : pairs.OrderBy(key, comparer)];
    }

    private static List<object?> Unique(object? value, CallArgs args)
    {
        bool caseSensitive = PyOps.Truthy(args.Get(0, "case_sensitive", false));
        string? attribute = args.Get(1, "attribute") as string;
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (object? item in PyOps.Iterate(value))
        {
            object? key = SortKey(item, attribute, caseSensitive);
            if (!seen.Exists(s => PyOps.Equal(s, key)))
            {
                seen.Add(key);
                result.Add(item);
            }
        }

        return result;
    }

    private static object? MinMax(object? value, CallArgs args, bool max)
    {
        bool caseSensitive = PyOps.Truthy(args.Get(0, "case_sensitive", false));
        string? attribute = args.Get(1, "attribute") as string;
        object? best = null;
        object? bestKey = null;
        bool any = false;
        foreach (object? item in PyOps.Iterate(value))
        {
            object? key = SortKey(item, attribute, caseSensitive);
            int cmp = any ? PyOps.Compare(key, bestKey, "<") : 0;
            if (!any || (max ? cmp > 0 : cmp < 0))
            {
                best = item;
                bestKey = key;
                any = true;
            }
        }

        return any ? best : new Undefined(max ? "max" : "min");
    }

    /// <summary>transformers' <c>tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)</c>.</summary>
    private static string ToJson(object? value, CallArgs args)
    {
        bool ensureAscii = PyOps.Truthy(args.Get(0, "ensure_ascii", false));
        object? indentArg = PyOps.Normalize(args.Get(1, "indent"));
        int? indent = indentArg switch
        {
            null => null,
            long l => (int)l,
            _ => throw new TemplateEvaluationException("tojson: indent must be an integer"),
        };
        string? itemSep = null, keySep = null;
        if (PyOps.Normalize(args.Get(2, "separators")) is IReadOnlyList<object?> { Count: 2 } seps)
        {
            itemSep = PyRepr.Str(seps[0]);
            keySep = PyRepr.Str(seps[1]);
        }

        bool sortKeys = PyOps.Truthy(args.Get(3, "sort_keys", false));
        return PythonJson.Dumps(value, ensureAscii, indent, itemSep, keySep, sortKeys);
    }
}
