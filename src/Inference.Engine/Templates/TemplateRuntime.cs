using System.Collections;
using System.Globalization;

namespace Inference.Engine.Templates;

/// <summary>Python semantics for the values templates handle: truth, equality, ordering, arithmetic, lookup.</summary>
internal static class TemplateRuntime
{
    /// <summary>Brings caller values to the few shapes the runtime knows: string, long, double, bool, null,
    /// <see cref="List{T}"/> and insertion-ordered <see cref="Dictionary{TKey,TValue}"/>.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null or string or bool or long or double or Undefined or Namespace or Callable or LoopContext => value,
        int i => (long)i,
        short s => (long)s,
        float f => (double)f,
        decimal m => (double)m,
        Dictionary<string, object?> d when d.Values.All(IsNormal) => d,
        IDictionary<string, object?> d => d.ToDictionary(p => p.Key, p => Normalize(p.Value), StringComparer.Ordinal),
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(p => p.Key, p => Normalize(p.Value), StringComparer.Ordinal),
        List<object?> l when l.All(IsNormal) => l,
        IEnumerable e => e.Cast<object?>().Select(Normalize).ToList(),
        _ => value.ToString(),
    };

    private static bool IsNormal(object? value) => value is null or string or bool or long or double
        || (value is Dictionary<string, object?> d && d.Values.All(IsNormal))
        || (value is List<object?> l && l.All(IsNormal));

    /// <summary>A dictionary's entries in order (its non-generic enumerator yields DictionaryEntry; LINQ's Cast
    /// over the generic one would see KeyValuePair).</summary>
    public static IEnumerable<DictionaryEntry> Entries(IDictionary dictionary)
    {
        var enumerator = dictionary.GetEnumerator();
        while (enumerator.MoveNext())
        {
            yield return enumerator.Entry;
        }
    }

    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        string => "str",
        bool => "bool",
        long => "int",
        double => "float",
        Namespace => "Namespace",
        IDictionary => "dict",
        IList => "list",
        Callable => "function",
        _ => value.GetType().Name,
    };

    public static TemplateEvaluationException UndefinedError(string what = "value") => new($"'{what}' is undefined");

    public static bool Equal(object? a, object? b)
    {
        if (a is Undefined || b is Undefined)
        {
            return a is Undefined && b is Undefined;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is long x && b is long y ? x == y : ToDouble(a) == ToDouble(b);
        }

        switch (a)
        {
            case null:
                return b is null;
            case string s:
                return b is string t && string.Equals(s, t, StringComparison.Ordinal);
            case IDictionary da when b is IDictionary db:
                if (da.Count != db.Count)
                {
                    return false;
                }

                foreach (DictionaryEntry entry in da)
                {
                    if (!db.Contains(entry.Key) || !Equal(entry.Value, db[entry.Key]))
                    {
                        return false;
                    }
                }

                return true;
            case IList la when b is IList lb:
                if (la.Count != lb.Count)
                {
                    return false;
                }

                for (int i = 0; i < la.Count; i++)
                {
                    if (!Equal(la[i], lb[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return ReferenceEquals(a, b) || Equals(a, b);
        }
    }

    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return a is long x && b is long y ? x.CompareTo(y) : ToDouble(a).CompareTo(ToDouble(b));
        }

        if (a is string s && b is string t)
        {
            return string.CompareOrdinal(s, t);
        }

        if (a is IList la && b is IList lb)
        {
            for (int i = 0; i < Math.Min(la.Count, lb.Count); i++)
            {
                if (!Equal(la[i], lb[i]))
                {
                    return Compare(la[i], lb[i], op);
                }
            }

            return la.Count.CompareTo(lb.Count);
        }

        throw new TemplateEvaluationException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static bool IsNumber(object? value) => value is long or double || value is bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new TemplateEvaluationException($"expected a number, got '{TypeName(value)}'"),
    };

    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d => (long)d,
        _ => throw new TemplateEvaluationException($"'{TypeName(value)}' object cannot be interpreted as an integer"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string t => s.Contains(t, StringComparison.Ordinal),
        string => throw new TemplateEvaluationException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        IDictionary d => item is not null && d.Contains(item),
        IEnumerable e => e.Cast<object?>().Any(x => Equal(x, item)),
        Undefined => throw UndefinedError(),
        _ => throw new TemplateEvaluationException($"argument of type '{TypeName(container)}' is not iterable"),
    };

    /// <summary>The values a for loop visits: lists, dictionary keys, string characters; undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        Undefined => [],
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()).ToList(),
        IDictionary d => d.Keys.Cast<object?>().ToList(),
        IList<object?> l => (IReadOnlyList<object?>)l,
        IEnumerable e => e.Cast<object?>().ToList(),
        _ => throw new TemplateEvaluationException($"'{TypeName(value)}' object is not iterable"),
    };

    public static object? Add(object? a, object? b)
    {
        if (a is Undefined || b is Undefined)
        {
            throw UndefinedError();
        }

        if (a is string s)
        {
            return b is string t ? s + t : throw new TemplateEvaluationException($"can only concatenate str (not \"{TypeName(b)}\") to str");
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a) + ToDouble(b) : (object)(ToLong(a) + ToLong(b));
        }

        if (a is IList la && b is IList lb)
        {
            return la.Cast<object?>().Concat(lb.Cast<object?>()).ToList();
        }

        throw new TemplateEvaluationException($"unsupported operand type(s) for +: '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static object? Arithmetic(string op, object? a, object? b)
    {
        if (a is Undefined || b is Undefined)
        {
            throw UndefinedError();
        }

        if (op == "*" && a is string repeated && b is long times)
        {
            return string.Concat(Enumerable.Repeat(repeated, (int)Math.Max(0, times)));
        }

        if (op == "*" && a is IList list && b is long count)
        {
            return Enumerable.Repeat(list.Cast<object?>(), (int)Math.Max(0, count)).SelectMany(x => x).ToList();
        }

        if (op == "%" && a is string format)
        {
            return PercentFormat(format, b);
        }

        if (!IsNumber(a) || !IsNumber(b))
        {
            throw new TemplateEvaluationException($"unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");
        }

        bool integers = a is not double && b is not double;
        switch (op)
        {
            case "-":
                return integers ? (object)(ToLong(a) - ToLong(b)) : ToDouble(a) - ToDouble(b);
            case "*":
                return integers ? (object)(ToLong(a) * ToLong(b)) : ToDouble(a) * ToDouble(b);
            case "/":
                return ToDouble(b) == 0 ? throw new TemplateEvaluationException("division by zero") : ToDouble(a) / ToDouble(b);
            case "//":
                if (ToDouble(b) == 0)
                {
                    throw new TemplateEvaluationException("integer division or modulo by zero");
                }

                return integers ? (object)(long)Math.Floor((double)ToLong(a) / ToLong(b)) : Math.Floor(ToDouble(a) / ToDouble(b));
            case "%":
                if (ToDouble(b) == 0)
                {
                    throw new TemplateEvaluationException("integer division or modulo by zero");
                }

                if (integers)
                {
                    long x = ToLong(a), y = ToLong(b);
                    long r = x % y;
                    return r != 0 && (r < 0) != (y < 0) ? r + y : r; // Python's sign follows the divisor
                }

                double dx = ToDouble(a), dy = ToDouble(b);
                double dr = dx % dy;
                return dr != 0 && (dr < 0) != (dy < 0) ? dr + dy : dr;
            case "**":
                return integers && ToLong(b) >= 0 ? (object)(long)Math.Pow(ToLong(a), ToLong(b)) : Math.Pow(ToDouble(a), ToDouble(b));
            default:
                throw new TemplateEvaluationException($"unknown operator {op}");
        }
    }

    private static string PercentFormat(string format, object? arguments)
    {
        var values = arguments is IList list ? list.Cast<object?>().ToList() : [arguments];
        int next = 0;
        var builder = new System.Text.StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }

            char code = format[++i];
            if (code == '%')
            {
                builder.Append('%');
                continue;
            }

            object? value = next < values.Count ? values[next++] : throw new TemplateEvaluationException("not enough arguments for format string");
            builder.Append(code switch
            {
                'd' or 'i' => ToLong(value).ToString(CultureInfo.InvariantCulture),
                'r' => PythonFormat.Repr(value),
                _ => PythonFormat.Str(value),
            });
        }

        return builder.ToString();
    }
}
