using System.Text;

namespace Inference.Engine.Templates;

/// <summary>The Python methods of <c>str</c> and <c>dict</c> that chat templates call.</summary>
internal static class Methods
{
    private static readonly HashSet<string> StringMethods =
    [
        "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit", "upper", "lower", "title",
        "capitalize", "replace", "format", "join", "find", "count", "splitlines", "isdigit", "isalpha",
        "isspace", "islower", "isupper",
    ];

    private static readonly HashSet<string> DictMethods = ["items", "keys", "values", "get"];

    public static bool IsStringMethod(string name) => StringMethods.Contains(name);

    public static bool IsDictMethod(string name) => DictMethods.Contains(name);

    public static object? Invoke(object target, string name, CallArgs args) => target switch
    {
        string s => InvokeString(s, name, args),
        IReadOnlyDictionary<string, object?> d => InvokeDict(d, name, args),
        _ => throw new TemplateEvaluationException($"'{PyOps.TypeName(target)}' object has no attribute '{name}'"),
    };

    private static string ArgString(CallArgs args, int index, string name, string method)
    {
        object? v = args.Get(index, name);
        return v as string ?? throw new TemplateEvaluationException(
            $"TypeError: {method}() argument must be str, not {PyOps.TypeName(v)}");
    }

    private static object? InvokeString(string s, string name, CallArgs args)
    {
        switch (name)
        {
            case "strip": return PyStr.Strip(s, args.Get(0, "chars"), true, true);
            case "lstrip": return PyStr.Strip(s, args.Get(0, "chars"), true, false);
            case "rstrip": return PyStr.Strip(s, args.Get(0, "chars"), false, true);
            case "upper": return s.ToUpperInvariant();
            case "lower": return s.ToLowerInvariant();
            case "title": return PyStr.Title(s);
            case "capitalize": return PyStr.Capitalize(s);
            case "startswith" or "endswith":
                object? affix = args.Get(0, "prefix");
                IEnumerable<object?> candidates = affix is PyTuple t ? t.Items : [affix];
                foreach (object? c in candidates)
                {
                    string str = c as string ?? throw new TemplateEvaluationException(
                        $"TypeError: {name} first arg must be str or a tuple of str, not {PyOps.TypeName(c)}");
                    if (name == "startswith" ? s.StartsWith(str, StringComparison.Ordinal) : s.EndsWith(str, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            case "split":
                return PyStr.Split(s, args.Get(0, "sep") as string, MaxSplit(args));
            case "rsplit":
                long max = MaxSplit(args);
                if (max < 0)
                {
                    return PyStr.Split(s, args.Get(0, "sep") as string, -1);
                }

                // Right split by reversing; exact for single-character-free separators is enough here.
                string? sep = args.Get(0, "sep") as string;
                if (sep is null)
                {
                    throw new TemplateEvaluationException("rsplit with maxsplit needs a separator");
                }

                var parts = new List<object?>();
                int end = s.Length;
                while (parts.Count < max)
                {
                    int idx = end - sep.Length < 0 ? -1 : s.LastIndexOf(sep, end - 1, end, StringComparison.Ordinal);
                    if (idx < 0 || idx + sep.Length > end)
                    {
                        break;
                    }

                    parts.Insert(0, s[(idx + sep.Length)..end]);
                    end = idx;
                }

                parts.Insert(0, s[..end]);
                return parts;
            case "replace":
                string old = ArgString(args, 0, "old", "replace");
                string @new = ArgString(args, 1, "new", "replace");
                long count = args.Get(2, "count", -1L) is long c2 ? c2 : -1;
                return Replace(s, old, @new, count);
            case "join":
                var sb = new StringBuilder();
                bool first = true;
                foreach (object? item in PyOps.Iterate(args.Get(0, "iterable")))
                {
                    if (!first)
                    {
                        sb.Append(s);
                    }

                    first = false;
                    sb.Append(item as string ?? throw new TemplateEvaluationException(
                        $"TypeError: sequence item: expected str instance, {PyOps.TypeName(item)} found"));
                }

                return sb.ToString();
            case "find": return (long)s.IndexOf(ArgString(args, 0, "sub", "find"), StringComparison.Ordinal);
            case "count":
                string sub = ArgString(args, 0, "sub", "count");
                return sub.Length == 0 ? (long)(s.Length + 1) : (long)((s.Length - s.Replace(sub, "", StringComparison.Ordinal).Length) / sub.Length);
            case "splitlines":
                List<object?> lines = [.. s.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n')];
                if (lines.Count > 0 && (string?)lines[^1] == "")
                {
                    lines.RemoveAt(lines.Count - 1);
                }

                return lines;
            case "isdigit": return s.Length > 0 && s.All(char.IsDigit);
            case "isalpha": return s.Length > 0 && s.All(char.IsLetter);
            case "isspace": return s.Length > 0 && s.All(PyStr.IsWhitespace);
            case "islower": return s.Any(char.IsLetter) && !s.Any(char.IsUpper);
            case "isupper": return s.Any(char.IsLetter) && !s.Any(char.IsLower);
            case "format": return Format(s, args);
            default: throw new TemplateEvaluationException($"'str' object has no attribute '{name}'");
        }
    }

    private static long MaxSplit(CallArgs args) => args.Get(1, "maxsplit", -1L) is long l ? l : -1;

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? InsertEverywhere(s, replacement, long.MaxValue) : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        if (old.Length == 0)
        {
            return InsertEverywhere(s, replacement, count);
        }

        var sb = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int idx = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (idx < 0)
            {
                break;
            }

            sb.Append(s, pos, idx - pos).Append(replacement);
            pos = idx + old.Length;
        }

        return sb.Append(s, pos, s.Length - pos).ToString();
    }

    private static string InsertEverywhere(string s, string insert, long count)
    {
        // Python: "ab".replace("", "-") == "-a-b-".
        var sb = new StringBuilder();
        long n = 0;
        for (int i = 0; i <= s.Length; i++)
        {
            if (n++ < count)
            {
                sb.Append(insert);
            }

            if (i < s.Length)
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    /// <summary><c>str.format</c> with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs).</summary>
    private static string Format(string s, CallArgs args)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{')
            {
                sb.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < s.Length && s[i + 1] == '}')
            {
                sb.Append('}');
                i++;
            }
            else if (c == '{')
            {
                int close = s.IndexOf('}', i);
                if (close < 0)
                {
                    throw new TemplateEvaluationException("ValueError: Single '{' encountered in format string");
                }

                string field = s[(i + 1)..close];
                object? value;
                if (field.Length == 0)
                {
                    value = auto < args.Positional.Count ? args.Positional[auto++] : throw new TemplateEvaluationException("IndexError: format index out of range");
                }
                else if (int.TryParse(field, out int index))
                {
                    value = index < args.Positional.Count ? args.Positional[index] : throw new TemplateEvaluationException("IndexError: format index out of range");
                }
                else
                {
                    value = args.Has(-1, field) ? args.Get(-1, field) : throw new TemplateEvaluationException($"KeyError: '{field}'");
                }

                sb.Append(PyRepr.Str(value));
                i = close;
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static object? InvokeDict(IReadOnlyDictionary<string, object?> d, string name, CallArgs args)
    {
        switch (name)
        {
            case "items":
                var items = new List<object?>(d.Count);
                foreach (KeyValuePair<string, object?> kv in d)
                {
                    items.Add(new PyTuple([kv.Key, PyOps.Normalize(kv.Value)]));
                }

                return items;
            case "keys":
                return d.Keys.Cast<object?>().ToList();
            case "values":
                return d.Values.Select(PyOps.Normalize).ToList();
            case "get":
                object? key = PyOps.Normalize(args.Get(0, "key"));
                return key is string k && d.TryGetValue(k, out object? v) ? PyOps.Normalize(v) : args.Get(1, "default");
            default:
                throw new TemplateEvaluationException($"'dict' object has no attribute '{name}'");
        }
    }
}
