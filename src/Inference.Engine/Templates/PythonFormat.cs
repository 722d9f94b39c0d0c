using System.Collections;
using System.Globalization;
using System.Text;

namespace Inference.Engine.Templates;

/// <summary>How Python prints values (<c>str()</c>, <c>repr()</c>) and how transformers' <c>tojson</c>
/// (<c>json.dumps</c>) writes them, since templates' output must match byte for byte.</summary>
internal static class PythonFormat
{
    public static string Str(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var builder = new StringBuilder();
        WriteRepr(builder, value);
        return builder.ToString();
    }

    private static void WriteRepr(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("None");
                break;
            case Undefined:
                break;
            case bool b:
                builder.Append(b ? "True" : "False");
                break;
            case string s:
                WriteStringRepr(builder, s);
                break;
            case long or int:
                builder.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(Float(d));
                break;
            case IDictionary dictionary:
                builder.Append('{');
                bool firstPair = true;
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (!firstPair)
                    {
                        builder.Append(", ");
                    }

                    firstPair = false;
                    WriteRepr(builder, entry.Key);
                    builder.Append(": ");
                    WriteRepr(builder, entry.Value);
                }

                builder.Append('}');
                break;
            case IEnumerable list:
                builder.Append('[');
                bool firstItem = true;
                foreach (object? item in list)
                {
                    if (!firstItem)
                    {
                        builder.Append(", ");
                    }

                    firstItem = false;
                    WriteRepr(builder, item);
                }

                builder.Append(']');
                break;
            default:
                builder.Append(value);
                break;
        }
    }

    private static void WriteStringRepr(StringBuilder builder, string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        builder.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        builder.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7F)
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append(quote);
    }

    /// <summary>Python's float repr: shortest round-trip digits, always a '.0' or an exponent.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }

        if (d == Math.Floor(d) && Math.Abs(d) < 1e16)
        {
            return d.ToString("F0", CultureInfo.InvariantCulture) is var whole && whole == "-0" ? "-0.0" : whole + ".0";
        }

        string text = d.ToString("R", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E', StringComparison.Ordinal);
        if (e < 0)
        {
            return text;
        }

        // .NET writes 1E-05 / 1E+16; Python writes 1e-05 / 1e+16.
        string mantissa = text[..e];
        string exponent = text[(e + 1)..];
        char sign = exponent[0] is '-' or '+' ? exponent[0] : '+';
        string digits = exponent.TrimStart('+', '-').PadLeft(2, '0');
        return $"{mantissa}e{sign}{digits}";
    }

    /// <summary><c>json.dumps(value, ensure_ascii=False, indent=indent, separators=..., sort_keys=sortKeys)</c>.</summary>
    public static string Json(object? value, int? indent, bool sortKeys, (string Item, string Key)? separators)
    {
        var builder = new StringBuilder();
        var (item, key) = separators ?? (indent is null ? (", ", ": ") : (",", ": "));
        WriteJson(builder, value, indent, sortKeys, item, key, 0);
        return builder.ToString();
    }

    private static void WriteJson(StringBuilder builder, object? value, int? indent, bool sortKeys, string item, string key, int depth)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case Undefined:
                throw new TemplateEvaluationException("Object of type Undefined is not JSON serializable");
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case string s:
                WriteJsonString(builder, s);
                break;
            case long or int:
                builder.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Float(d));
                break;
            case IDictionary dictionary:
            {
                var entries = TemplateRuntime.Entries(dictionary).ToList();
                if (sortKeys)
                {
                    entries.Sort((a, b) => string.CompareOrdinal(Str(a.Key), Str(b.Key)));
                }

                if (entries.Count == 0)
                {
                    builder.Append("{}");
                    break;
                }

                builder.Append('{');
                for (int i = 0; i < entries.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(item);
                    }

                    NewLine(builder, indent, depth + 1);
                    WriteJsonString(builder, entries[i].Key is string s ? s : Str(entries[i].Key));
                    builder.Append(key);
                    WriteJson(builder, entries[i].Value, indent, sortKeys, item, key, depth + 1);
                }

                NewLine(builder, indent, depth);
                builder.Append('}');
                break;
            }

            case IEnumerable list:
            {
                var items = list.Cast<object?>().ToList();
                if (items.Count == 0)
                {
                    builder.Append("[]");
                    break;
                }

                builder.Append('[');
                for (int i = 0; i < items.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(item);
                    }

                    NewLine(builder, indent, depth + 1);
                    WriteJson(builder, items[i], indent, sortKeys, item, key, depth + 1);
                }

                NewLine(builder, indent, depth);
                builder.Append(']');
                break;
            }

            default:
                throw new TemplateEvaluationException($"Object of type {value.GetType().Name} is not JSON serializable");
        }
    }

    private static void NewLine(StringBuilder builder, int? indent, int depth)
    {
        if (indent is { } spaces)
        {
            builder.Append('\n').Append(' ', spaces * depth);
        }
    }

    private static void WriteJsonString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
    }
}
