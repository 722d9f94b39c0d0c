using System.Text;

namespace Inference.Engine.Templates;

/// <summary>
/// Walks the parsed template for one render. Holds only per-render state, so each render gets its own instance
/// and the parsed nodes stay shared and read-only.
/// </summary>
internal sealed class Evaluator
{
    private const int MaxCallDepth = 200;

    private static readonly Dictionary<string, BuiltinFunction> Globals = CreateGlobals();

    private readonly IReadOnlyDictionary<string, object?> _variables;
    private int _callDepth;

    public Evaluator(IReadOnlyDictionary<string, object?> variables, TimeProvider clock)
    {
        _variables = variables;
        Clock = clock;
    }

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    public TimeProvider Clock { get; }

    public string Render(Node[] nodes)
    {
        var sb = new StringBuilder();
        RenderNodes(nodes, new Scope(null), sb, null);
        return sb.ToString();
    }

    private static Dictionary<string, BuiltinFunction> CreateGlobals()
    {
        var globals = new Dictionary<string, BuiltinFunction>(StringComparer.Ordinal);
        void Add(string name, Func<Evaluator, CallArgs, object?> body) => globals[name] = new BuiltinFunction(name, body);

        Add("raise_exception", (_, a) => throw new TemplateRaisedException(PyRepr.Str(a.Get(0, "message", ""))));
        Add("strftime_now", (ev, a) => Strftime.Format(ev.Clock.GetLocalNow(), a.Get(0, "format") as string
            ?? throw new TemplateEvaluationException("TypeError: strftime_now() argument must be str")));
        Add("range", (_, a) => BuiltinRange(a));
        Add("namespace", (_, a) =>
        {
            var ns = new JinjaNamespace();
            foreach (object? p in a.Positional)
            {
                if (PyOps.Normalize(p) is IReadOnlyDictionary<string, object?> d)
                {
                    foreach (KeyValuePair<string, object?> kv in d)
                    {
                        ns.Attributes[kv.Key] = PyOps.Normalize(kv.Value);
                    }
                }
            }

            foreach (KeyValuePair<string, object?> kv in a.Named)
            {
                ns.Attributes[kv.Key] = kv.Value;
            }

            return ns;
        });
        Add("dict", (_, a) =>
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (object? p in a.Positional)
            {
                if (PyOps.Normalize(p) is IReadOnlyDictionary<string, object?> src)
                {
                    foreach (KeyValuePair<string, object?> kv in src)
                    {
                        d[kv.Key] = kv.Value;
                    }
                }
            }

            foreach (KeyValuePair<string, object?> kv in a.Named)
            {
                d[kv.Key] = kv.Value;
            }

            return d;
        });
        return globals;
    }

    private static List<object?> BuiltinRange(CallArgs a)
    {
        long Arg(int i) => PyOps.Normalize(a.Positional[i]) is long l
            ? l
            : throw new TemplateEvaluationException("TypeError: range() arguments must be integers");

        (long start, long stop, long step) = a.Positional.Count switch
        {
            1 => (0L, Arg(0), 1L),
            2 => (Arg(0), Arg(1), 1L),
            3 => (Arg(0), Arg(1), Arg(2)),
            _ => throw new TemplateEvaluationException("TypeError: range expected 1 to 3 arguments"),
        };
        if (step == 0)
        {
            throw new TemplateEvaluationException("ValueError: range() arg 3 must not be zero");
        }

        var result = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            // The sandbox caps ranges the same way (MAX_RANGE).
            if (result.Count >= 100_000)
            {
                throw new TemplateEvaluationException("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            }

            result.Add(i);
        }

        return result;
    }

    private Flow RenderNodes(Node[] nodes, Scope scope, StringBuilder sb, LoopContext? loop)
    {
        foreach (Node node in nodes)
        {
            Flow flow = RenderNode(node, scope, sb, loop);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private Flow RenderNode(Node node, Scope scope, StringBuilder sb, LoopContext? loop)
    {
        switch (node)
        {
            case TextNode t:
                sb.Append(t.Text);
                return Flow.Normal;
            case OutputNode o:
                sb.Append(PyRepr.Str(Eval(o.Value, scope)));
                return Flow.Normal;
            case IfNode i:
                foreach ((Expr condition, Node[] branch) in i.Branches)
                {
                    if (PyOps.Truthy(Eval(condition, scope)))
                    {
                        return RenderNodes(branch, scope, sb, loop);
                    }
                }

                return i.ElseBody is null ? Flow.Normal : RenderNodes(i.ElseBody, scope, sb, loop);
            case ForNode f:
                RenderFor(f, Eval(f.Iterable, scope), scope, sb, loop, 1);
                return Flow.Normal;
            case SetNode s:
                Assign(s.Targets, s.Attribute, Eval(s.Value, scope), scope, s.Line);
                return Flow.Normal;
            case SetBlockNode sbn:
                var captured = new StringBuilder();
                RenderNodes(sbn.Body, scope, captured, loop);
                Assign([sbn.Target], sbn.Attribute, ApplyFilters(sbn.Filters, captured.ToString(), scope), scope, sbn.Line);
                return Flow.Normal;
            case MacroNode m:
                scope.Set(m.Name, new Macro(m.Name, m.Parameters, m.Body, scope));
                return Flow.Normal;
            case CallBlockNode cb:
                var caller = new Macro("caller", cb.Parameters, cb.Body, scope);
                CallArgs args = EvalArgs(cb.Call.Args, scope);
                args.Named.Add(new KeyValuePair<string, object?>("caller", caller));
                sb.Append(PyRepr.Str(Invoke(Eval(cb.Call.Callee, scope), args, cb.Call.Callee)));
                return Flow.Normal;
            case FilterBlockNode fb:
                var body = new StringBuilder();
                Flow flow = RenderNodes(fb.Body, scope, body, loop);
                sb.Append(PyRepr.Str(ApplyFilters(fb.Filters, body.ToString(), scope)));
                return flow;
            case SequenceNode seq:
                return RenderNodes(seq.Body, scope, sb, loop);
            case LoopControlNode lc:
                return lc.IsBreak ? Flow.Break : Flow.Continue;
            default:
                throw new InvalidOperationException($"Unknown node {node.GetType().Name}");
        }
    }

    private object? ApplyFilters(FilterExpr[] filters, object? value, Scope scope)
    {
        foreach (FilterExpr filter in filters)
        {
            value = Filters.Apply(this, filter.Name, value, EvalArgs(filter.Args, scope));
        }

        return value;
    }

    private void RenderFor(ForNode f, object? iterable, Scope scope, StringBuilder sb, LoopContext? parentLoop, int depth)
    {
        IReadOnlyList<object?> items = PyOps.Iterate(iterable);
        if (f.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (object? item in items)
            {
                var probe = new Scope(scope);
                Bind(f.Targets, item, probe, f.Line);
                if (PyOps.Truthy(Eval(f.Filter, probe)))
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            if (f.ElseBody is not null)
            {
                RenderNodes(f.ElseBody, scope, sb, parentLoop);
            }

            return;
        }

        var loop = new LoopContext(items, parentLoop, depth);
        if (f.Recursive)
        {
            loop.Recurse = inner =>
            {
                var nested = new StringBuilder();
                RenderFor(f, inner, scope, nested, parentLoop, depth + 1);
                return nested.ToString();
            };
        }

        for (int i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            var iteration = new Scope(scope);
            Bind(f.Targets, items[i], iteration, f.Line);
            iteration.Set("loop", loop);
            if (RenderNodes(f.Body, iteration, sb, loop) == Flow.Break)
            {
                break;
            }
        }
    }

    private static void Bind(string[] targets, object? value, Scope scope, int line)
    {
        value = PyOps.Normalize(value);
        if (targets.Length == 1)
        {
            scope.Set(targets[0], value);
            return;
        }

        IReadOnlyList<object?> parts = PyOps.Iterate(value);
        if (parts.Count != targets.Length)
        {
            throw new TemplateEvaluationException(
                $"ValueError: expected {targets.Length} values to unpack, got {parts.Count} (line {line})");
        }

        for (int i = 0; i < targets.Length; i++)
        {
            scope.Set(targets[i], PyOps.Normalize(parts[i]));
        }
    }

    private void Assign(string[] targets, string? attribute, object? value, Scope scope, int line)
    {
        if (attribute is null)
        {
            Bind(targets, value, scope, line);
            return;
        }

        if (Lookup(targets[0], scope) is not JinjaNamespace ns)
        {
            throw new TemplateEvaluationException($"Cannot assign attribute on non-namespace object (line {line})");
        }

        ns.Attributes[attribute] = PyOps.Normalize(value);
    }

    private object? Lookup(string name, Scope scope)
    {
        if (scope.TryGet(name, out object? value))
        {
            return value;
        }

        if (_variables.TryGetValue(name, out value))
        {
            return PyOps.Normalize(value);
        }

        return Globals.TryGetValue(name, out BuiltinFunction? fn) ? fn : new Undefined(name);
    }

    public object? CallMacro(Macro macro, CallArgs args)
    {
        if (++_callDepth > MaxCallDepth)
        {
            _callDepth = 0;
            throw new TemplateEvaluationException("RecursionError: maximum macro call depth exceeded");
        }

        try
        {
            var scope = new Scope(macro.Closure);
            var bound = new bool[macro.Parameters.Length];
            var varargs = new List<object?>();
            for (int i = 0; i < args.Positional.Count; i++)
            {
                if (i < macro.Parameters.Length)
                {
                    scope.Set(macro.Parameters[i].Name, args.Positional[i]);
                    bound[i] = true;
                }
                else
                {
                    varargs.Add(args.Positional[i]);
                }
            }

            var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (KeyValuePair<string, object?> kv in args.Named)
            {
                int index = Array.FindIndex(macro.Parameters, p => p.Name == kv.Key);
                if (index >= 0)
                {
                    scope.Set(kv.Key, kv.Value);
                    bound[index] = true;
                }
                else if (kv.Key == "caller")
                {
                    scope.Set("caller", kv.Value);
                }
                else
                {
                    kwargs[kv.Key] = kv.Value;
                }
            }

            for (int i = 0; i < macro.Parameters.Length; i++)
            {
                if (!bound[i])
                {
                    (string name, Expr? defaultValue) = macro.Parameters[i];
                    scope.Set(name, defaultValue is null ? new Undefined(name) : Eval(defaultValue, scope));
                }
            }

            scope.Set("varargs", varargs);
            scope.Set("kwargs", kwargs);
            var sb = new StringBuilder();
            RenderNodes(macro.Body, scope, sb, null);
            return sb.ToString();
        }
        finally
        {
            _callDepth = Math.Max(0, _callDepth - 1);
        }
    }

    private CallArgs EvalArgs(ArgList args, Scope scope)
    {
        if (args.Positional.Length == 0 && args.Named.Length == 0)
        {
            return new CallArgs([], []);
        }

        var positional = new List<object?>(args.Positional.Length);
        foreach (Expr e in args.Positional)
        {
            positional.Add(Eval(e, scope));
        }

        var named = new List<KeyValuePair<string, object?>>(args.Named.Length);
        foreach ((string name, Expr value) in args.Named)
        {
            named.Add(new KeyValuePair<string, object?>(name, Eval(value, scope)));
        }

        return new CallArgs(positional, named);
    }

    private object? Invoke(object? callee, CallArgs args, Expr calleeExpr) => callee switch
    {
        ICallable c => c.Call(this, args),
        Undefined u => throw new TemplateEvaluationException($"{u.Fail().Message} (line {calleeExpr.Line})"),
        _ => throw new TemplateEvaluationException($"TypeError: '{PyOps.TypeName(callee)}' object is not callable (line {calleeExpr.Line})"),
    };

    public object? Eval(Expr expr, Scope scope)
    {
        switch (expr)
        {
            case ConstExpr c:
                return c.Value;
            case NameExpr n:
                return Lookup(n.Name, scope);
            case GetAttrExpr ga:
                return PyOps.GetAttr(Eval(ga.Target, scope), ga.Name);
            case GetItemExpr gi:
                return PyOps.GetItem(Eval(gi.Target, scope), Eval(gi.Key, scope));
            case SliceExpr sl:
                return PyOps.Slice(
                    Eval(sl.Target, scope),
                    sl.Start is null ? null : Eval(sl.Start, scope),
                    sl.Stop is null ? null : Eval(sl.Stop, scope),
                    sl.Step is null ? null : Eval(sl.Step, scope));
            case CallExpr call:
                return Invoke(Eval(call.Callee, scope), EvalArgs(call.Args, scope), call.Callee);
            case FilterExpr f:
                return Filters.Apply(this, f.Name, f.Value is null ? null : Eval(f.Value, scope), EvalArgs(f.Args, scope));
            case TestExpr t:
                return Tests.Apply(this, t.Name, Eval(t.Value, scope), EvalArgs(t.Args, scope)) != t.Negated;
            case BinaryExpr b:
                return EvalBinary(b, scope);
            case UnaryExpr u:
                object? operand = Eval(u.Operand, scope);
                return u.Op == "not" ? !PyOps.Truthy(operand) : PyOps.Negate(operand, u.Op == "-");
            case CompareExpr cmp:
                return EvalCompare(cmp, scope);
            case CondExpr ce:
                return PyOps.Truthy(Eval(ce.Condition, scope))
                    ? Eval(ce.Then, scope)
                    : ce.Otherwise is null ? new Undefined(null) : Eval(ce.Otherwise, scope);
            case ListExpr l:
                var items = new object?[l.Items.Length];
                for (int i = 0; i < items.Length; i++)
                {
                    items[i] = Eval(l.Items[i], scope);
                }

                return l.IsTuple ? new PyTuple(items) : new List<object?>(items);
            case DictExpr d:
                var dict = new Dictionary<string, object?>(d.Pairs.Length, StringComparer.Ordinal);
                foreach ((Expr key, Expr value) in d.Pairs)
                {
                    object? k = Eval(key, scope);
                    dict[k as string ?? PyRepr.Str(k)] = Eval(value, scope);
                }

                return dict;
            default:
                throw new InvalidOperationException($"Unknown expression {expr.GetType().Name}");
        }
    }

    private object? EvalBinary(BinaryExpr b, Scope scope)
    {
        object? left = Eval(b.Left, scope);
        switch (b.Op)
        {
            case "and":
                return PyOps.Truthy(left) ? Eval(b.Right, scope) : left;
            case "or":
                return PyOps.Truthy(left) ? left : Eval(b.Right, scope);
            case "~":
                return string.Concat(PyRepr.Str(left), PyRepr.Str(Eval(b.Right, scope)));
            default:
                try
                {
                    return PyOps.Binary(b.Op, left, Eval(b.Right, scope));
                }
                catch (TemplateEvaluationException ex) when (!ex.Message.Contains("(line ", StringComparison.Ordinal))
                {
                    throw new TemplateEvaluationException($"{ex.Message} (line {b.Line})", ex);
                }
        }
    }

    private bool EvalCompare(CompareExpr cmp, Scope scope)
    {
        object? left = Eval(cmp.First, scope);
        foreach ((string op, Expr operand) in cmp.Rest)
        {
            object? right = Eval(operand, scope);
            bool ok = op switch
            {
                "==" => PyOps.Equal(left, right),
                "!=" => !PyOps.Equal(left, right),
                "<" => PyOps.Compare(left, right, op) < 0,
                "<=" => PyOps.Compare(left, right, op) <= 0,
                ">" => PyOps.Compare(left, right, op) > 0,
                ">=" => PyOps.Compare(left, right, op) >= 0,
                "in" => PyOps.Contains(right, left),
                "notin" => !PyOps.Contains(right, left),
                _ => throw new InvalidOperationException(op),
            };
            if (!ok)
            {
                return false;
            }

            left = right;
        }

        return true;
    }
}
