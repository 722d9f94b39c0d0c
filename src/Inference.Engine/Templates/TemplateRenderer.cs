using System.Collections;
using System.Text;
using static Inference.Engine.Templates.TemplateRuntime;

namespace Inference.Engine.Templates;

/// <summary>One render of a parsed template: walks the nodes with a chain of scopes, as Jinja does (for loops and
/// macros open a scope; if blocks do not).</summary>
internal sealed class TemplateRenderer
{
    private readonly TimeProvider _clock;

    public TemplateRenderer(TimeProvider clock) => _clock = clock;

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

        public Scope? Parent { get; } = parent;

        public bool TryGet(string name, out object? value)
        {
            for (var scope = this; scope is not null; scope = scope.Parent)
            {
                if (scope._variables.TryGetValue(name, out value))
                {
                    return true;
                }
            }

            value = null;
            return false;
        }

        public void Set(string name, object? value) => _variables[name] = value;

        public Scope Root()
        {
            var scope = this;
            while (scope.Parent is not null)
            {
                scope = scope.Parent;
            }

            return scope;
        }
    }

    public string Render(IReadOnlyList<Node> nodes, IReadOnlyDictionary<string, object?> variables)
    {
        var globals = new Scope(null);
        globals.Set("raise_exception", new Callable("raise_exception", (a, _) =>
            throw new TemplateRaisedException(a.Count > 0 ? PythonFormat.Str(a[0]) : "")));
        globals.Set("strftime_now", new Callable("strftime_now", (a, _) =>
            Strftime.Format(_clock.GetLocalNow().DateTime, a.Count > 0 ? PythonFormat.Str(a[0]) : "")));
        globals.Set("range", new Callable("range", (a, _) => Range(a)));
        globals.Set("namespace", new Callable("namespace", (a, k) =>
        {
            var ns = new Namespace();
            if (a.Count > 0 && a[0] is IDictionary initial)
            {
                foreach (DictionaryEntry entry in initial)
                {
                    ns[(string)entry.Key] = entry.Value;
                }
            }

            foreach (var (key, value) in k)
            {
                ns[key] = value;
            }

            return ns;
        }));
        globals.Set("dict", new Callable("dict", (_, k) => k.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)));
        var scope = new Scope(globals);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, Normalize(value));
        }

        var output = new StringBuilder();
        RenderNodes(nodes, scope, output);
        return output.ToString();
    }

    private static List<object?> Range(IReadOnlyList<object?> a)
    {
        long start = 0, stop, step = 1;
        if (a.Count == 1)
        {
            stop = ToLong(a[0]);
        }
        else
        {
            start = ToLong(a[0]);
            stop = ToLong(a[1]);
            if (a.Count > 2)
            {
                step = ToLong(a[2]);
            }
        }

        if (step == 0)
        {
            throw new TemplateEvaluationException("range() arg 3 must not be zero");
        }

        var values = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            values.Add(i);
        }

        return values;
    }

    private void RenderNodes(IReadOnlyList<Node> nodes, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            RenderNode(node, scope, output);
        }
    }

    private void RenderNode(Node node, Scope scope, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                break;
            case OutputNode print:
                output.Append(PythonFormat.Str(Evaluate(print.Value, scope)));
                break;
            case IfNode conditional:
                foreach (var (condition, body) in conditional.Branches)
                {
                    if (Truthy(Evaluate(condition, scope)))
                    {
                        RenderNodes(body, scope, output);
                        return;
                    }
                }

                if (conditional.Else is { } otherwise)
                {
                    RenderNodes(otherwise, scope, output);
                }

                break;
            case ForNode loop:
                RenderFor(loop, scope, output);
                break;
            case SetNode set:
                Assign(set, scope);
                break;
            case SetBlockNode block:
            {
                var captured = new StringBuilder();
                RenderNodes(block.Body, scope, captured);
                scope.Set(block.Target, captured.ToString());
                break;
            }

            case MacroNode macro:
                scope.Set(macro.Name, DefineMacro(macro, scope));
                break;
            case BlockNode block:
                RenderNodes(block.Body, scope, output);
                break;
            case FilterBlockNode filter:
            {
                var captured = new StringBuilder();
                RenderNodes(filter.Body, scope, captured);
                var arguments = filter.Arguments.Select(a => Evaluate(a, scope)).ToList();
                output.Append(PythonFormat.Str(TemplateFilters.Apply(filter.Filter, captured.ToString(), arguments, new Dictionary<string, object?>(), this)));
                break;
            }

            case LoopControlNode control:
                throw new LoopControlSignal(control.IsBreak);
            case ExpressionStatementNode statement:
                Evaluate(statement.Value, scope);
                break;
            default:
                throw new TemplateEvaluationException($"line {node.Line}: unsupported node {node.GetType().Name}");
        }
    }

    private void RenderFor(ForNode loop, Scope scope, StringBuilder output)
    {
        var source = Iterate(Evaluate(loop.Iterable, scope));
        var items = source;
        if (loop.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in source)
            {
                var probe = new Scope(scope);
                Bind(loop.Targets, item, probe);
                if (Truthy(Evaluate(loop.Filter, probe)))
                {
                    kept.Add(item);
                }
            }

            items = kept;
        }

        if (items.Count == 0)
        {
            if (loop.Else is { } empty)
            {
                RenderNodes(empty, scope, output);
            }

            return;
        }

        var context = new LoopContext(items);
        var body = new Scope(scope);
        body.Set("loop", context);
        for (int i = 0; i < items.Count; i++)
        {
            context.Index0 = i;
            Bind(loop.Targets, items[i], body);
            try
            {
                RenderNodes(loop.Body, body, output);
            }
            catch (LoopControlSignal signal)
            {
                if (signal.IsBreak)
                {
                    break;
                }
            }
        }
    }

    private static void Bind(IReadOnlyList<string> targets, object? item, Scope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }

        var values = Iterate(item);
        if (values.Count != targets.Count)
        {
            throw new TemplateEvaluationException($"cannot unpack {values.Count} values into {targets.Count} names");
        }

        for (int i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], values[i]);
        }
    }

    private void Assign(SetNode set, Scope scope)
    {
        var value = Evaluate(set.Value, scope);
        if (set.Attribute is { } attribute)
        {
            if (!scope.TryGet(set.Targets[0], out var target) || target is not Namespace ns)
            {
                throw new TemplateEvaluationException("cannot assign attribute on non-namespace object");
            }

            ns[attribute] = value;
            return;
        }

        Bind(set.Targets, value, scope);
    }

    private Callable DefineMacro(MacroNode macro, Scope definingScope) => new(macro.Name, (arguments, keywords) =>
    {
        var scope = new Scope(definingScope.Root());
        for (int i = 0; i < macro.Parameters.Count; i++)
        {
            var (name, defaultValue) = macro.Parameters[i];
            object? value = i < arguments.Count ? arguments[i]
                : keywords.TryGetValue(name, out var keyword) ? keyword
                : defaultValue is not null ? Evaluate(defaultValue, definingScope)
                : Undefined.Instance;
            scope.Set(name, value);
        }

        var output = new StringBuilder();
        RenderNodes(macro.Body, scope, output);
        return output.ToString();
    });

    public object? Evaluate(Expr expression, IReadOnlyDictionary<string, object?> variables)
    {
        var scope = new Scope(null);
        foreach (var (name, value) in variables)
        {
            scope.Set(name, value);
        }

        return Evaluate(expression, scope);
    }

    private object? Evaluate(Expr expression, Scope scope)
    {
        switch (expression)
        {
            case LiteralExpr literal:
                return literal.Value;
            case NameExpr name:
                return scope.TryGet(name.Name, out var value) ? value : Undefined.Instance;
            case ListExpr list:
                return list.Items.Select(i => Evaluate(i, scope)).ToList();
            case DictExpr dictionary:
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, item) in dictionary.Items)
                {
                    result[PythonFormat.Str(Evaluate(key, scope))] = Evaluate(item, scope);
                }

                return result;
            }

            case AttributeExpr attribute:
                return TemplateMembers.Attribute(Evaluate(attribute.Target, scope), attribute.Name, AttributeName(attribute.Target));
            case ItemExpr item:
                return TemplateMembers.Item(Evaluate(item.Target, scope), Evaluate(item.Index, scope), AttributeName(item.Target));
            case SliceExpr slice:
                return TemplateMembers.Slice(
                    Evaluate(slice.Target, scope),
                    slice.Start is null ? null : Evaluate(slice.Start, scope),
                    slice.Stop is null ? null : Evaluate(slice.Stop, scope),
                    slice.Step is null ? null : Evaluate(slice.Step, scope));
            case CallExpr call:
            {
                var target = Evaluate(call.Target, scope);
                if (target is not Callable callable)
                {
                    throw target is Undefined
                        ? UndefinedError(AttributeName(call.Target))
                        : new TemplateEvaluationException($"'{TypeName(target)}' object is not callable");
                }

                var arguments = call.Arguments.Select(a => Evaluate(a, scope)).ToList();
                var keywords = call.Keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope), StringComparer.Ordinal);
                return callable.Invoke(arguments, keywords);
            }

            case FilterExpr filter:
            {
                var target = Evaluate(filter.Target, scope);
                var arguments = filter.Arguments.Select(a => Evaluate(a, scope)).ToList();
                var keywords = filter.Keywords.ToDictionary(k => k.Name, k => Evaluate(k.Value, scope), StringComparer.Ordinal);
                return TemplateFilters.Apply(filter.Name, target, arguments, keywords, this);
            }

            case TestExpr test:
            {
                var target = Evaluate(test.Target, scope);
                var arguments = test.Arguments.Select(a => Evaluate(a, scope)).ToList();
                bool result = TemplateTests.Apply(test.Name, target, arguments);
                return test.Negated ? !result : result;
            }

            case UnaryExpr unary:
            {
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator == "not" ? !Truthy(operand) : operand switch
                {
                    long l => (object)(-l),
                    double d => -d,
                    _ => throw new TemplateEvaluationException($"bad operand type for unary -: '{TypeName(operand)}'"),
                };
            }

            case BinaryExpr binary:
                return EvaluateBinary(binary, scope);
            case CompareExpr compare:
            {
                var left = Evaluate(compare.First, scope);
                foreach (var (op, operand) in compare.Rest)
                {
                    var right = Evaluate(operand, scope);
                    bool holds = op switch
                    {
                        "==" => Equal(left, right),
                        "!=" => !Equal(left, right),
                        "in" => Contains(right, left),
                        "not in" => !Contains(right, left),
                        "<" => Compare(left, right, op) < 0,
                        ">" => Compare(left, right, op) > 0,
                        "<=" => Compare(left, right, op) <= 0,
                        _ => Compare(left, right, op) >= 0,
                    };
                    if (!holds)
                    {
                        return false;
                    }

                    left = right;
                }

                return true;
            }

            case ConditionalExpr conditional:
                return Truthy(Evaluate(conditional.Condition, scope))
                    ? Evaluate(conditional.Then, scope)
                    : conditional.Else is null ? Undefined.Instance : Evaluate(conditional.Else, scope);
            default:
                throw new TemplateEvaluationException($"unsupported expression {expression.GetType().Name}");
        }
    }

    private object? EvaluateBinary(BinaryExpr binary, Scope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return Truthy(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return Truthy(left) ? left : Evaluate(binary.Right, scope);
        }

        var right = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "+" => Add(left, right),
            "~" => PythonFormat.Str(left) + PythonFormat.Str(right),
            _ => Arithmetic(binary.Operator, left, right),
        };
    }

    /// <summary>A readable name for error messages, like Jinja's "'x' is undefined".</summary>
    private static string AttributeName(Expr expression) => expression switch
    {
        NameExpr name => name.Name,
        AttributeExpr attribute => AttributeName(attribute.Target) + "." + attribute.Name,
        _ => "value",
    };
}
