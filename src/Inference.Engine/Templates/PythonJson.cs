using System.Globalization;
using System.Text;

namespace Inference.Engine.Templates;

/// <summary>
/// Python's <c>json.dumps</c>, which transformers' <c>tojson</c> filter calls: no HTML escaping, insertion-ordered
/// keys, <c>", "</c>/<c>": "</c> separators (<c>","</c> with an indent), Python float repr.
/// </summary>
internal static class PythonJson
{
    public static string Dumps(object? value, bool ensureAscii, int? indent, string? itemSeparator, string? keySeparator, bool sortKeys)
    {
        itemSeparator ??= indent is null ? ", " : ",";
        keySeparator ??= ": ";
        var writer = new Writer(new StringBuilder(), ensureAscii, indent is null ? null : new string(' ', Math.Max(0, indent.Value)), itemSeparator, keySeparator, sortKeys);
        writer.Write(value, 0);
        return writer.Output.ToString();
    }

    private sealed class Writer(StringBuilder output, bool ensureAscii, string? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        public StringBuilder Output { get; } = output;

        public void Write(object? value, int depth)
        {
            if (depth > 200)
            {
                throw new TemplateEvaluationException("ValueError: Circular reference detected");
            }

            value = PyOps.Normalize(value);
            switch (value)
            {
                case null:
                    Output.Append("null");
                    break;
                case bool b:
                    Output.Append(b ? "true" : "false");
                    break;
                case long l:
                    Output.Append(l.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    Output.Append(double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PyRepr.Float(d));
                    break;
                case string s:
                    WriteString(s);
                    break;
                case IReadOnlyDictionary<string, object?> dict:
                    WriteDict(dict, depth);
                    break;
                case IReadOnlyList<object?> list:
                    WriteList(list, depth);
                    break;
                default:
                    throw new TemplateEvaluationException($"TypeError: Object of type {PyOps.TypeName(value)} is not JSON serializable");
            }
        }

        private void NewLine(int depth)
        {
            if (indent is not null)
            {
                Output.Append('\n');
                for (int i = 0; i < depth; i++)
                {
                    Output.Append(indent);
                }
            }
        }

        private void WriteList(IReadOnlyList<object?> list, int depth)
        {
            if (list.Count == 0)
            {
                Output.Append("[]");
                return;
            }

            Output.Append('[');
            for (int i = 0; i < list.Count; i++)
            {
                if (i > 0)
                {
                    Output.Append(itemSeparator);
                }

                NewLine(depth + 1);
                Write(list[i], depth + 1);
            }

            NewLine(depth);
            Output.Append(']');
        }

        private void WriteDict(IReadOnlyDictionary<string, object?> dict, int depth)
        {
            if (dict.Count == 0)
            {
                Output.Append("{}");
                return;
            }

            IEnumerable<KeyValuePair<string, object?>> pairs = sortKeys
                ? dict.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                : dict;
            Output.Append('{');
            bool first = true;
            foreach (KeyValuePair<string, object?> kv in pairs)
            {
                if (!first)
                {
                    Output.Append(itemSeparator);
                }

                first = false;
                NewLine(depth + 1);
                WriteString(kv.Key);
                Output.Append(keySeparator);
                Write(kv.Value, depth + 1);
            }

            NewLine(depth);
            Output.Append('}');
        }

        private void WriteString(string s)
        {
            Output.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': Output.Append("\\\""); break;
                    case '\\': Output.Append("\\\\"); break;
                    case '\n': Output.Append("\\n"); break;
                    case '\r': Output.Append("\\r"); break;
                    case '\t': Output.Append("\\t"); break;
                    case '\b': Output.Append("\\b"); break;
                    case '\f': Output.Append("\\f"); break;
                    default:
                        if (c < 0x20 || (ensureAscii && c > 0x7e))
                        {
                            Output.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            Output.Append(c);
                        }

                        break;
                }
            }

            Output.Append('"');
        }
    }
}
