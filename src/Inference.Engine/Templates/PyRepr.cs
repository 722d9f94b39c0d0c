using System.Globalization;
using System.Text;

namespace Inference.Engine.Templates;

/// <summary>Python's <c>str()</c> and <c>repr()</c> of template values, which is what <c>{{ }}</c> prints.</summary>
internal static class PyRepr
{
    public static string Str(object? value) => value switch
    {
        string s => s,
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => Float(d),
        _ => Repr(value),
    };

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value, 0);
        return sb.ToString();
    }

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > 100)
        {
            throw new TemplateEvaluationException("RecursionError: value nested too deeply");
        }

        value = PyOps.Normalize(value);
        switch (value)
        {
            case string s:
                sb.Append(PyStr.Repr(s));
                break;
            case null or bool or long or double:
                sb.Append(Str(value));
                break;
            case Undefined:
                sb.Append("Undefined");
                break;
            case IReadOnlyDictionary<string, object?> dict:
                sb.Append('{');
                bool firstPair = true;
                foreach (KeyValuePair<string, object?> kv in dict)
                {
                    if (!firstPair)
                    {
                        sb.Append(", ");
                    }

                    firstPair = false;
                    sb.Append(PyStr.Repr(kv.Key)).Append(": ");
                    AppendRepr(sb, kv.Value, depth + 1);
                }

                sb.Append('}');
                break;
            case IReadOnlyList<object?> list:
                bool tuple = list is PyTuple;
                sb.Append(tuple ? '(' : '[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    AppendRepr(sb, list[i], depth + 1);
                }

                if (tuple && list.Count == 1)
                {
                    sb.Append(',');
                }

                sb.Append(tuple ? ')' : ']');
                break;
            case JinjaNamespace ns:
                sb.Append("<Namespace ");
                AppendRepr(sb, new Dictionary<string, object?>(ns.Attributes), depth + 1);
                sb.Append('>');
                break;
            case Macro m:
                sb.Append("<Macro '").Append(m.Name).Append("'>");
                break;
            case BuiltinFunction f:
                sb.Append("<function ").Append(f.Name).Append('>');
                break;
            case BoundMethod bm:
                sb.Append("<built-in method ").Append(bm.Name).Append('>');
                break;
            case LoopContext:
                sb.Append("<LoopContext>");
                break;
            default:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>Python <c>repr(float)</c>: shortest round-trip digits, exponent form outside 1e-4..1e16.</summary>
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

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        string r = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int point; // position of the decimal point relative to the start of digits
        int e = r.IndexOfAny(['E', 'e']);
        string mantissa = e >= 0 ? r[..e] : r;
        int exp = e >= 0 ? int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        int dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        digits = mantissa.Replace(".", "", StringComparison.Ordinal);
        point = (dot >= 0 ? dot : mantissa.Length) + exp;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..];
        point -= lead;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        int sciExp = point - 1;
        var sb = new StringBuilder();
        if (d < 0)
        {
            sb.Append('-');
        }

        if (sciExp is >= -4 and < 16)
        {
            if (point <= 0)
            {
                sb.Append("0.").Append('0', -point).Append(digits);
            }
            else if (point >= digits.Length)
            {
                sb.Append(digits).Append('0', point - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
            }
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(sciExp < 0 ? '-' : '+').Append(Math.Abs(sciExp).ToString("00", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
