namespace Inference.Engine.Templates;

/// <summary>Jinja's built-in tests (<c>x is defined</c>, <c>x is string</c>, <c>x is equalto y</c>, ...).</summary>
internal static class Tests
{
    private static readonly Dictionary<string, Func<Evaluator, object?, CallArgs, bool>> All = Create();

    public static bool Exists(string name) => All.ContainsKey(name);

    public static bool Apply(Evaluator evaluator, string name, object? value, CallArgs args) =>
        All.TryGetValue(name, out Func<Evaluator, object?, CallArgs, bool>? test)
            ? test(evaluator, PyOps.Normalize(value), args)
            : throw new TemplateEvaluationException($"No test named '{name}'");

    private static Dictionary<string, Func<Evaluator, object?, CallArgs, bool>> Create()
    {
        var t = new Dictionary<string, Func<Evaluator, object?, CallArgs, bool>>(StringComparer.Ordinal)
        {
            ["defined"] = (_, v, _) => v is not Undefined,
            ["undefined"] = (_, v, _) => v is Undefined,
            ["none"] = (_, v, _) => v is null,
            ["string"] = (_, v, _) => v is string,
            // Python's bool is a Number, so Jinja's "number" accepts True; "integer" does not.
            ["number"] = (_, v, _) => v is long or double or bool,
            ["integer"] = (_, v, _) => v is long,
            ["float"] = (_, v, _) => v is double,
            ["boolean"] = (_, v, _) => v is bool,
            ["true"] = (_, v, _) => v is true,
            ["false"] = (_, v, _) => v is false,
            ["mapping"] = (_, v, _) => v is IReadOnlyDictionary<string, object?>,
            // Undefined defines __iter__ and __len__ in Jinja, so it counts as iterable and as a sequence.
            ["iterable"] = (_, v, _) => v is string or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or Undefined,
            ["sequence"] = (_, v, _) => v is string or IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or Undefined,
            ["callable"] = (_, v, _) => v is ICallable,
            ["odd"] = (_, v, _) => AsLong(v, "odd") % 2 != 0,
            ["even"] = (_, v, _) => AsLong(v, "even") % 2 == 0,
            ["divisibleby"] = (_, v, a) =>
            {
                long n = AsLong(PyOps.Normalize(a.Get(0, "num")), "divisibleby");
                return n == 0 ? throw new TemplateEvaluationException("ZeroDivisionError: integer division or modulo by zero") : AsLong(v, "divisibleby") % n == 0;
            },
            ["in"] = (_, v, a) => PyOps.Contains(a.Get(0, "seq"), v),
            ["sameas"] = (_, v, a) => Same(v, PyOps.Normalize(a.Get(0, "other"))),
            ["lower"] = (_, v, _) => v is string s && s == s.ToLowerInvariant(),
            ["upper"] = (_, v, _) => v is string s && s == s.ToUpperInvariant(),
            ["escaped"] = (_, _, _) => false,
            ["filter"] = (_, v, _) => v is string s && Filters.Exists(s),
            ["test"] = (_, v, _) => v is string s && Exists(s),
        };

        Func<Evaluator, object?, CallArgs, bool> eq = (_, v, a) => PyOps.Equal(v, a.Get(0, "other"));
        Func<Evaluator, object?, CallArgs, bool> ne = (_, v, a) => !PyOps.Equal(v, a.Get(0, "other"));
        Func<Evaluator, object?, CallArgs, bool> lt = (_, v, a) => PyOps.Compare(v, a.Get(0, "other"), "<") < 0;
        Func<Evaluator, object?, CallArgs, bool> le = (_, v, a) => PyOps.Compare(v, a.Get(0, "other"), "<=") <= 0;
        Func<Evaluator, object?, CallArgs, bool> gt = (_, v, a) => PyOps.Compare(v, a.Get(0, "other"), ">") > 0;
        Func<Evaluator, object?, CallArgs, bool> ge = (_, v, a) => PyOps.Compare(v, a.Get(0, "other"), ">=") >= 0;
        foreach (string n in new[] { "equalto", "eq", "==" })
        {
            t[n] = eq;
        }

        t["ne"] = t["!="] = ne;
        t["lt"] = t["lessthan"] = t["<"] = lt;
        t["le"] = t["<="] = le;
        t["gt"] = t["greaterthan"] = t[">"] = gt;
        t["ge"] = t[">="] = ge;
        return t;
    }

    private static long AsLong(object? v, string test) => v switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) => (long)d,
        _ => throw new TemplateEvaluationException($"TypeError: test '{test}' needs an integer, got {PyOps.TypeName(v)}"),
    };

    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        _ => ReferenceEquals(a, b),
    };
}
