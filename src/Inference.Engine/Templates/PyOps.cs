using System.Collections;
using System.Globalization;

namespace Inference.Engine.Templates;

/// <summary>
/// Python semantics for template values: truthiness, equality, ordering, arithmetic, membership, lookup. Values
/// are null (None), <see cref="Undefined"/>, string, bool, long, double, lists and string-keyed dictionaries.
/// </summary>
internal static class PyOps
{
    /// <summary>Brings a caller-supplied value into the small set of types the evaluator works with.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null or string or bool or long or double or Undefined => value,
        IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        sbyte sb => (long)sb,
        uint u => (long)u,
        ushort us => (long)us,
        ulong ul => ul <= long.MaxValue ? (long)ul : (double)ul,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        Enum e => e.ToString(),
        IDictionary dict => ToDictionary(dict),
        IEnumerable seq => seq.Cast<object?>().ToList(),
        _ => value,
    };

    private static Dictionary<string, object?> ToDictionary(IDictionary dict)
    {
        var result = new Dictionary<string, object?>(dict.Count, StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dict)
        {
            result[PyRepr.Str(Normalize(entry.Key))] = entry.Value;
        }

        return result;
    }

    public static string TypeName(object? value) => Normalize(value) switch
    {
        null => "NoneType",
        Undefined => "Undefined",
        string => "str",
        bool => "bool",
        long => "int",
        double => "float",
        IReadOnlyDictionary<string, object?> => "dict",
        PyTuple => "tuple",
        IReadOnlyList<object?> => "list",
        JinjaNamespace => "Namespace",
        Macro => "Macro",
        ICallable => "function",
        _ => value!.GetType().Name,
    };

    public static bool IsNumber(object? v) => v is long or double or bool;

    public static bool Truthy(object? value) => Normalize(value) switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IReadOnlyDictionary<string, object?> d => d.Count > 0,
        IReadOnlyList<object?> l => l.Count > 0,
        _ => true,
    };

    private static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not a number"),
    };

    private static long ToLong(object? v) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException("not an integer"),
    };

    public static bool Equal(object? a, object? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        switch (a)
        {
            case null:
                return b is null;
            case Undefined:
                return b is Undefined;
            case string sa:
                return b is string sb && string.Equals(sa, sb, StringComparison.Ordinal);
        }

        if (IsNumber(a))
        {
            if (!IsNumber(b))
            {
                return false;
            }

            return a is double || b is double ? ToDouble(a) == ToDouble(b) : ToLong(a) == ToLong(b);
        }

        if (a is IReadOnlyDictionary<string, object?> da)
        {
            if (b is not IReadOnlyDictionary<string, object?> db || da.Count != db.Count)
            {
                return false;
            }

            foreach (KeyValuePair<string, object?> kv in da)
            {
                if (!db.TryGetValue(kv.Key, out object? other) || !Equal(kv.Value, other))
                {
                    return false;
                }
            }

            return true;
        }

        if (a is IReadOnlyList<object?> la)
        {
            if (b is not IReadOnlyList<object?> lb || (la is PyTuple) != (lb is PyTuple) || la.Count != lb.Count)
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
        }

        return ReferenceEquals(a, b) || Equals(a, b);
    }

    /// <summary>Python ordering for <c>&lt;</c> and friends; raises like Python on unorderable types.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        a = Normalize(a);
        b = Normalize(b);
        if (IsNumber(a) && IsNumber(b))
        {
            return a is double || b is double ? ToDouble(a).CompareTo(ToDouble(b)) : ToLong(a).CompareTo(ToLong(b));
        }

        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb);
        }

        if (a is IReadOnlyList<object?> la && b is IReadOnlyList<object?> lb && (la is PyTuple) == (lb is PyTuple))
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

        if (a is Undefined ua)
        {
            throw ua.Fail();
        }

        if (b is Undefined ub)
        {
            throw ub.Fail();
        }

        throw new TemplateEvaluationException(
            $"TypeError: '{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static object? Binary(string op, object? a, object? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        if (a is Undefined ua)
        {
            throw ua.Fail();
        }

        if (b is Undefined ub)
        {
            throw ub.Fail();
        }

        try
        {
            return op switch
            {
                "+" => Add(a, b),
                "-" when IsNumber(a) && IsNumber(b) => Arith(a, b, (x, y) => checked(x - y), (x, y) => x - y),
                "*" => Multiply(a, b),
                "/" when IsNumber(a) && IsNumber(b) => ToDouble(b) == 0
                    ? throw new TemplateEvaluationException("ZeroDivisionError: division by zero")
                    : ToDouble(a) / ToDouble(b),
                "//" when IsNumber(a) && IsNumber(b) => FloorDiv(a, b),
                "%" when IsNumber(a) && IsNumber(b) => Mod(a, b),
                "**" when IsNumber(a) && IsNumber(b) => Pow(a, b),
                _ => throw Unsupported(op, a, b),
            };
        }
        catch (OverflowException)
        {
            throw new TemplateEvaluationException("OverflowError: integer result too large");
        }
    }

    private static TemplateEvaluationException Unsupported(string op, object? a, object? b) =>
        new($"TypeError: unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");

    private static object Arith(object? a, object? b, Func<long, long, long> ints, Func<double, double, double> floats) =>
        a is double || b is double ? (object)floats(ToDouble(a), ToDouble(b)) : ints(ToLong(a), ToLong(b));

    private static object? Add(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return Arith(a, b, (x, y) => checked(x + y), (x, y) => x + y);
        }

        if (a is string sa)
        {
            return b is string sb
                ? string.Concat(sa, sb)
                : throw new TemplateEvaluationException($"TypeError: can only concatenate str (not \"{TypeName(b)}\") to str");
        }

        if (a is IReadOnlyList<object?> la && a is not PyTuple)
        {
            if (b is IReadOnlyList<object?> lb && b is not PyTuple)
            {
                var result = new List<object?>(la.Count + lb.Count);
                result.AddRange(la);
                result.AddRange(lb);
                return result;
            }

            throw new TemplateEvaluationException($"TypeError: can only concatenate list (not \"{TypeName(b)}\") to list");
        }

        if (a is PyTuple ta && b is PyTuple tb)
        {
            return new PyTuple([.. ta.Items, .. tb.Items]);
        }

        throw Unsupported("+", a, b);
    }

    private static object? Multiply(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return Arith(a, b, (x, y) => checked(x * y), (x, y) => x * y);
        }

        if (a is long or bool && b is string or IReadOnlyList<object?>)
        {
            (a, b) = (b, a);
        }

        if (b is long or bool)
        {
            long n = Math.Max(0, ToLong(b));
            if (a is string s)
            {
                if (n * s.Length > 10_000_000)
                {
                    throw new TemplateEvaluationException("OverflowError: string repetition too large");
                }

                return string.Concat(Enumerable.Repeat(s, (int)n));
            }

            if (a is IReadOnlyList<object?> list)
            {
                var result = new List<object?>();
                for (long i = 0; i < n && result.Count < 10_000_000; i++)
                {
                    result.AddRange(list);
                }

                return a is PyTuple ? new PyTuple([.. result]) : result;
            }
        }

        throw Unsupported("*", a, b);
    }

    private static object FloorDiv(object? a, object? b)
    {
        if (ToDouble(b) == 0)
        {
            throw new TemplateEvaluationException("ZeroDivisionError: integer division or modulo by zero");
        }

        if (a is double || b is double)
        {
            return Math.Floor(ToDouble(a) / ToDouble(b));
        }

        long x = ToLong(a), y = ToLong(b);
        long q = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? q - 1 : q;
    }

    private static object Mod(object? a, object? b)
    {
        if (ToDouble(b) == 0)
        {
            throw new TemplateEvaluationException("ZeroDivisionError: integer division or modulo by zero");
        }

        if (a is double || b is double)
        {
            double x = ToDouble(a), y = ToDouble(b);
            double r = x % y;
            return r != 0 && (r < 0) != (y < 0) ? r + y : r;
        }

        long lx = ToLong(a), ly = ToLong(b);
        long m = lx % ly;
        return m != 0 && (m < 0) != (ly < 0) ? m + ly : m;
    }

    private static object Pow(object? a, object? b)
    {
        if (a is double || b is double || ToLong(b) < 0)
        {
            return Math.Pow(ToDouble(a), ToDouble(b));
        }

        long result = 1, x = ToLong(a);
        for (long e = ToLong(b); e > 0; e--)
        {
            result = checked(result * x);
        }

        return result;
    }

    public static object? Negate(object? value, bool minus)
    {
        value = Normalize(value);
        return value switch
        {
            Undefined u => throw u.Fail(),
            // Arms are boxed individually: a switch expression would otherwise widen every arm to double.
            long l => (object)(minus ? checked(-l) : l),
            bool b => (object)(minus ? -(b ? 1L : 0L) : (b ? 1L : 0L)),
            double d => (object)(minus ? -d : d),
            _ => throw new TemplateEvaluationException($"TypeError: bad operand type for unary {(minus ? '-' : '+')}: '{TypeName(value)}'"),
        };
    }

    /// <summary>Python <c>item in container</c>.</summary>
    public static bool Contains(object? container, object? item)
    {
        container = Normalize(container);
        item = Normalize(item);
        switch (container)
        {
            case string s:
                return item is string sub
                    ? s.Contains(sub, StringComparison.Ordinal)
                    : throw new TemplateEvaluationException($"TypeError: 'in <string>' requires string as left operand, not {TypeName(item)}");
            case IReadOnlyDictionary<string, object?> d:
                return item is string key && d.ContainsKey(key);
            case IReadOnlyList<object?> list:
                foreach (object? x in list)
                {
                    if (Equal(x, item))
                    {
                        return true;
                    }
                }

                return false;
            case Undefined:
                return false;
            default:
                throw new TemplateEvaluationException($"TypeError: argument of type '{TypeName(container)}' is not iterable");
        }
    }

    /// <summary>What a for loop iterates: list items, dict keys, string characters.</summary>
    public static IReadOnlyList<object?> Iterate(object? value)
    {
        value = Normalize(value);
        return value switch
        {
            IReadOnlyList<object?> list => list,
            IReadOnlyDictionary<string, object?> d => d.Keys.Cast<object?>().ToList(),
            string s => PyStr.CodePoints(s).Cast<object?>().ToList(),
            Undefined => [],
            _ => throw new TemplateEvaluationException($"TypeError: '{TypeName(value)}' object is not iterable"),
        };
    }

    public static long Length(object? value)
    {
        value = Normalize(value);
        return value switch
        {
            string s => PyStr.Length(s),
            IReadOnlyList<object?> l => l.Count,
            IReadOnlyDictionary<string, object?> d => d.Count,
            Undefined => 0,
            _ => throw new TemplateEvaluationException($"TypeError: object of type '{TypeName(value)}' has no len()"),
        };
    }

    /// <summary>Jinja's <c>getattr</c>: Python attribute (methods) first, then the mapping key.</summary>
    public static object? GetAttr(object? obj, string name)
    {
        obj = Normalize(obj);
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case IReadOnlyDictionary<string, object?> d:
                if (Methods.IsDictMethod(name))
                {
                    return new BoundMethod(d, name);
                }

                return d.TryGetValue(name, out object? v) ? Normalize(v) : new Undefined(name);
            case string s:
                return Methods.IsStringMethod(name) ? new BoundMethod(s, name) : new Undefined(name);
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out object? a) ? a : new Undefined(name);
            case LoopContext loop:
                return loop.GetAttribute(name);
            default:
                return new Undefined(name);
        }
    }

    /// <summary>Jinja's <c>getitem</c>: subscript first, then attribute; failures give undefined.</summary>
    public static object? GetItem(object? obj, object? key)
    {
        obj = Normalize(obj);
        key = Normalize(key);
        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case IReadOnlyDictionary<string, object?> d:
                string? k = key switch
                {
                    string s => s,
                    long or bool => PyRepr.Str(key),
                    _ => null,
                };
                if (k is not null && d.TryGetValue(k, out object? v))
                {
                    return Normalize(v);
                }

                return key is string name ? GetAttr(d, name) : new Undefined(PyRepr.Str(key));
            case IReadOnlyList<object?> list when key is long or bool:
                long i = key is bool b ? (b ? 1 : 0) : (long)key;
                if (i < 0)
                {
                    i += list.Count;
                }

                return i >= 0 && i < list.Count ? Normalize(list[(int)i]) : new Undefined(PyRepr.Str(key));
            case string str when key is long or bool:
                long j = key is bool bb ? (bb ? 1 : 0) : (long)key;
                List<string>? cps = PyStr.HasSurrogates(str) ? PyStr.CodePoints(str) : null;
                int len = cps?.Count ?? str.Length;
                if (j < 0)
                {
                    j += len;
                }

                if (j < 0 || j >= len)
                {
                    return new Undefined(PyRepr.Str(key));
                }

                return cps is null ? str[(int)j].ToString() : cps[(int)j];
            default:
                return key is string attr ? GetAttr(obj, attr) : new Undefined(PyRepr.Str(key));
        }
    }

    public static object? Slice(object? obj, object? start, object? stop, object? step)
    {
        obj = Normalize(obj);
        long? ToIndex(object? v) => Normalize(v) switch
        {
            null => null,
            long l => l,
            bool b => b ? 1 : 0,
            _ => throw new TemplateEvaluationException("TypeError: slice indices must be integers or None"),
        };

        long st = ToIndex(step) ?? 1;
        if (st == 0)
        {
            throw new TemplateEvaluationException("ValueError: slice step cannot be zero");
        }

        switch (obj)
        {
            case Undefined u:
                throw u.Fail();
            case string s:
                bool surrogates = PyStr.HasSurrogates(s);
                IReadOnlyList<object?> chars = surrogates ? PyStr.CodePoints(s) : [];
                int slen = surrogates ? chars.Count : s.Length;
                List<int> sidx = SliceIndices(slen, ToIndex(start), ToIndex(stop), st);
                var sb = new System.Text.StringBuilder(sidx.Count);
                foreach (int i in sidx)
                {
                    _ = surrogates ? sb.Append((string)chars[i]!) : sb.Append(s[i]);
                }

                return sb.ToString();
            case IReadOnlyList<object?> list:
                List<int> idx = SliceIndices(list.Count, ToIndex(start), ToIndex(stop), st);
                var result = new List<object?>(idx.Count);
                foreach (int i in idx)
                {
                    result.Add(list[i]);
                }

                return list is PyTuple ? new PyTuple([.. result]) : result;
            default:
                throw new TemplateEvaluationException($"TypeError: '{TypeName(obj)}' object is not subscriptable");
        }
    }

    private static List<int> SliceIndices(int length, long? start, long? stop, long step)
    {
        long lo, hi;
        if (step > 0)
        {
            lo = Clamp(start ?? 0, length, 0, length);
            hi = Clamp(stop ?? length, length, 0, length);
        }
        else
        {
            lo = Clamp(start ?? length - 1, length, -1, length - 1);
            hi = stop is null ? -1 : Clamp(stop.Value, length, -1, length - 1);
        }

        var indices = new List<int>();
        for (long i = lo; step > 0 ? i < hi : i > hi; i += step)
        {
            indices.Add((int)i);
        }

        return indices;
    }

    private static long Clamp(long index, int length, long min, long max)
    {
        if (index < 0)
        {
            index += length;
        }

        return Math.Clamp(index, min, max);
    }
}
