using System.Collections;
using System.Globalization;
using System.Text;
using static Inference.Engine.Templates.TemplateRuntime;

namespace Inference.Engine.Templates;

/// <summary>Attribute and item lookup, slicing, and the Python methods of strings, dicts and lists.</summary>
internal static class TemplateMembers
{
    public static object? Attribute(object? target, string name, string targetName)
    {
        switch (target)
        {
            case Undefined:
                throw UndefinedError(targetName);
            case LoopContext loop:
                return loop.Attribute(name);
            case Namespace ns:
                return ns.TryGetValue(name, out var value) ? value : Undefined.Instance;
            case IDictionary dictionary:
                // Jinja tries the Python attribute first (dict methods), then the key.
                return DictionaryMethod(dictionary, name) ?? (dictionary.Contains(name) ? dictionary[name] : Undefined.Instance);
            case string s:
                return (object?)StringMethod(s, name) ?? Undefined.Instance;
            case IList list:
                return (object?)ListMethod(list, name) ?? Undefined.Instance;
            default:
                return Undefined.Instance;
        }
    }

    public static object? Item(object? target, object? key, string targetName)
    {
        switch (target)
        {
            case Undefined:
                throw UndefinedError(targetName);
            case Namespace ns when key is string name:
                return ns.TryGetValue(name, out var value) ? value : Undefined.Instance;
            case IDictionary dictionary:
                if (key is not null && dictionary.Contains(key))
                {
                    return dictionary[key];
                }

                return key is string method ? (object?)DictionaryMethod(dictionary, method) ?? Undefined.Instance : Undefined.Instance;
            case string s when key is long or bool:
            {
                var runes = s.EnumerateRunes().ToList();
                long index = ToLong(key);
                index = index < 0 ? index + runes.Count : index;
                return index >= 0 && index < runes.Count ? runes[(int)index].ToString() : Undefined.Instance;
            }

            case IList list when key is long or bool:
            {
                long index = ToLong(key);
                index = index < 0 ? index + list.Count : index;
                return index >= 0 && index < list.Count ? list[(int)index] : Undefined.Instance;
            }

            case string s when key is string name:
                return (object?)StringMethod(s, name) ?? Undefined.Instance;
            case LoopContext loop when key is string name:
                return loop.Attribute(name);
            default:
                return Undefined.Instance;
        }
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        long stride = step is null ? 1 : ToLong(step);
        if (stride == 0)
        {
            throw new TemplateEvaluationException("slice step cannot be zero");
        }

        switch (target)
        {
            case string s:
            {
                var runes = s.EnumerateRunes().Select(r => r.ToString()).ToList();
                return string.Concat(Indices(runes.Count, start, stop, stride).Select(i => runes[i]));
            }

            case IList list:
                return Indices(list.Count, start, stop, stride).Select(i => list[i]).ToList();
            case Undefined:
                throw UndefinedError();
            default:
                throw new TemplateEvaluationException($"'{TypeName(target)}' object is not subscriptable");
        }
    }

    /// <summary>Python's slice index rules, negative indices and steps included.</summary>
    private static IEnumerable<int> Indices(int length, object? start, object? stop, long step)
    {
        long Clamp(object? value, long whenNull, long low, long high)
        {
            if (value is null)
            {
                return whenNull;
            }

            long index = ToLong(value);
            if (index < 0)
            {
                index += length;
            }

            return Math.Clamp(index, low, high);
        }

        if (step > 0)
        {
            long from = Clamp(start, 0, 0, length);
            long to = Clamp(stop, length, 0, length);
            for (long i = from; i < to; i += step)
            {
                yield return (int)i;
            }
        }
        else
        {
            long from = Clamp(start, length - 1, -1, length - 1);
            long to = Clamp(stop, -1, -1, length - 1);
            for (long i = from; i > to; i += step)
            {
                yield return (int)i;
            }
        }
    }

    private static Callable? DictionaryMethod(IDictionary dictionary, string name) => name switch
    {
        "items" => new Callable(name, (_, _) => TemplateRuntime.Entries(dictionary).Select(e => (object?)new List<object?> { e.Key, e.Value }).ToList()),
        "keys" => new Callable(name, (_, _) => dictionary.Keys.Cast<object?>().ToList()),
        "values" => new Callable(name, (_, _) => dictionary.Values.Cast<object?>().ToList()),
        "get" => new Callable(name, (a, _) => a.Count > 0 && a[0] is { } key && dictionary.Contains(key) ? dictionary[key] : a.Count > 1 ? a[1] : null),
        _ => null,
    };

    private static Callable? ListMethod(IList list, string name) => name switch
    {
        "index" => new Callable(name, (a, _) =>
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (Equal(list[i], a[0]))
                {
                    return (long)i;
                }
            }

            throw new TemplateEvaluationException($"{PythonFormat.Repr(a[0])} is not in list");
        }),
        "count" => new Callable(name, (a, _) => (long)list.Cast<object?>().Count(x => Equal(x, a[0]))),
        _ => null,
    };

    private static Callable? StringMethod(string s, string name) => name switch
    {
        "strip" => new Callable(name, (a, _) => Strip(s, a, true, true)),
        "lstrip" => new Callable(name, (a, _) => Strip(s, a, true, false)),
        "rstrip" => new Callable(name, (a, _) => Strip(s, a, false, true)),
        "upper" => new Callable(name, (_, _) => s.ToUpperInvariant()),
        "lower" => new Callable(name, (_, _) => s.ToLowerInvariant()),
        "title" => new Callable(name, (_, _) => Title(s)),
        "capitalize" => new Callable(name, (_, _) => Capitalize(s)),
        "startswith" => new Callable(name, (a, _) => Prefixes(a).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new Callable(name, (a, _) => Prefixes(a).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "split" => new Callable(name, (a, k) => Split(s, Argument(a, k, 0, "sep"), Argument(a, k, 1, "maxsplit"))),
        "rsplit" => new Callable(name, (a, k) => RightSplit(s, Argument(a, k, 0, "sep"), Argument(a, k, 1, "maxsplit"))),
        "splitlines" => new Callable(name, (_, _) => s.Split('\n').Select(l => (object?)l.TrimEnd('\r')).Where((l, i) => i < s.Split('\n').Length - 1 || ((string)l!).Length > 0).ToList()),
        "replace" => new Callable(name, (a, _) => Replace(s, PythonFormat.Str(a[0]), PythonFormat.Str(a[1]), a.Count > 2 ? ToLong(a[2]) : -1)),
        "find" => new Callable(name, (a, _) => (long)s.IndexOf(PythonFormat.Str(a[0]), StringComparison.Ordinal)),
        "count" => new Callable(name, (a, _) => (long)CountOccurrences(s, PythonFormat.Str(a[0]))),
        "join" => new Callable(name, (a, _) => string.Join(s, Iterate(a[0]).Select(PythonFormat.Str))),
        "isdigit" => new Callable(name, (_, _) => s.Length > 0 && s.All(char.IsDigit)),
        "isalpha" => new Callable(name, (_, _) => s.Length > 0 && s.All(char.IsLetter)),
        "isspace" => new Callable(name, (_, _) => s.Length > 0 && s.All(char.IsWhiteSpace)),
        "format" => new Callable(name, (a, k) => Format(s, a, k)),
        _ => null,
    };

    private static object? Argument(IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords, int index, string name) =>
        index < arguments.Count ? arguments[index] : keywords.TryGetValue(name, out var value) ? value : null;

    private static IEnumerable<string> Prefixes(IReadOnlyList<object?> arguments) =>
        arguments.Count > 0 && arguments[0] is IList options ? options.Cast<object?>().Select(PythonFormat.Str) : [PythonFormat.Str(arguments.Count > 0 ? arguments[0] : "")];

    public static string Strip(string s, IReadOnlyList<object?> arguments, bool start, bool end)
    {
        if (arguments.Count > 0 && arguments[0] is string chars)
        {
            var set = chars.ToCharArray();
            return start && end ? s.Trim(set) : start ? s.TrimStart(set) : s.TrimEnd(set);
        }

        return start && end ? s.Trim() : start ? s.TrimStart() : s.TrimEnd();
    }

    private static List<object?> Split(string s, object? separator, object? maxSplit)
    {
        long max = maxSplit is null ? -1 : ToLong(maxSplit);
        if (separator is null)
        {
            // Whitespace runs, no empty strings.
            var words = new List<object?>();
            int i = 0;
            while (i < s.Length)
            {
                while (i < s.Length && char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    break;
                }

                if (max >= 0 && words.Count == max)
                {
                    words.Add(s[i..].TrimEnd());
                    break;
                }

                int start = i;
                while (i < s.Length && !char.IsWhiteSpace(s[i]))
                {
                    i++;
                }

                words.Add(s[start..i]);
            }

            return words;
        }

        string sep = PythonFormat.Str(separator);
        if (sep.Length == 0)
        {
            throw new TemplateEvaluationException("empty separator");
        }

        var parts = max < 0 ? s.Split(sep) : s.Split(sep, (int)max + 1);
        return parts.Select(p => (object?)p).ToList();
    }

    private static List<object?> RightSplit(string s, object? separator, object? maxSplit)
    {
        long max = maxSplit is null ? -1 : ToLong(maxSplit);
        if (max < 0 || separator is null)
        {
            return Split(s, separator, maxSplit);
        }

        string sep = PythonFormat.Str(separator);
        var parts = new List<object?>();
        string rest = s;
        while (parts.Count < max)
        {
            int at = rest.LastIndexOf(sep, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            parts.Insert(0, rest[(at + sep.Length)..]);
            rest = rest[..at];
        }

        parts.Insert(0, rest);
        return parts;
    }

    private static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? s : s.Replace(old, replacement, StringComparison.Ordinal);
        }

        var builder = new StringBuilder();
        int position = 0;
        for (long n = 0; n < count; n++)
        {
            int at = s.IndexOf(old, position, StringComparison.Ordinal);
            if (at < 0 || old.Length == 0)
            {
                break;
            }

            builder.Append(s, position, at - position).Append(replacement);
            position = at + old.Length;
        }

        return builder.Append(s, position, s.Length - position).ToString();
    }

    private static int CountOccurrences(string s, string part)
    {
        if (part.Length == 0)
        {
            return s.Length + 1;
        }

        int count = 0;
        for (int at = s.IndexOf(part, StringComparison.Ordinal); at >= 0; at = s.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public static string Title(string s)
    {
        var builder = new StringBuilder(s.Length);
        bool previousIsLetter = false;
        foreach (char c in s)
        {
            builder.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }

        return builder.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>str.format with positional <c>{}</c> / <c>{0}</c> and named <c>{name}</c> fields.</summary>
    private static string Format(string s, IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords)
    {
        var builder = new StringBuilder();
        int automatic = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{')
            {
                builder.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < s.Length && s[i + 1] == '}')
            {
                builder.Append('}');
                i++;
            }
            else if (c == '{')
            {
                int close = s.IndexOf('}', i);
                string field = s[(i + 1)..close];
                object? value = field.Length == 0 ? arguments[automatic++]
                    : int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? arguments[index]
                    : keywords[field];
                builder.Append(PythonFormat.Str(value));
                i = close;
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
