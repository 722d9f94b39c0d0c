namespace Inference.Engine.Templates;

/// <summary>An expression node. Nodes are immutable so one parsed template can render on many threads.</summary>
internal abstract class Expr(int line)
{
    public int Line { get; } = line;
}

internal sealed class ConstExpr(int line, object? value) : Expr(line)
{
    public object? Value { get; } = value;
}

internal sealed class NameExpr(int line, string name) : Expr(line)
{
    public string Name { get; } = name;
}

internal sealed class ListExpr(int line, Expr[] items, bool isTuple) : Expr(line)
{
    public Expr[] Items { get; } = items;

    public bool IsTuple { get; } = isTuple;
}

internal sealed class DictExpr(int line, (Expr Key, Expr Value)[] pairs) : Expr(line)
{
    public (Expr Key, Expr Value)[] Pairs { get; } = pairs;
}

internal sealed class GetAttrExpr(int line, Expr target, string name) : Expr(line)
{
    public Expr Target { get; } = target;

    public string Name { get; } = name;
}

internal sealed class GetItemExpr(int line, Expr target, Expr key) : Expr(line)
{
    public Expr Target { get; } = target;

    public Expr Key { get; } = key;
}

internal sealed class SliceExpr(int line, Expr target, Expr? start, Expr? stop, Expr? step) : Expr(line)
{
    public Expr Target { get; } = target;

    public Expr? Start { get; } = start;

    public Expr? Stop { get; } = stop;

    public Expr? Step { get; } = step;
}

/// <summary>Positional and keyword arguments of a call, filter or test, as written.</summary>
internal sealed class ArgList(Expr[] positional, (string Name, Expr Value)[] named)
{
    public static readonly ArgList Empty = new([], []);

    public Expr[] Positional { get; } = positional;

    public (string Name, Expr Value)[] Named { get; } = named;
}

internal sealed class CallExpr(int line, Expr callee, ArgList args) : Expr(line)
{
    public Expr Callee { get; } = callee;

    public ArgList Args { get; } = args;
}

internal sealed class FilterExpr(int line, Expr? value, string name, ArgList args) : Expr(line)
{
    /// <summary>Null inside a filter block, where the value is the block's output.</summary>
    public Expr? Value { get; } = value;

    public string Name { get; } = name;

    public ArgList Args { get; } = args;
}

internal sealed class TestExpr(int line, Expr value, string name, ArgList args, bool negated) : Expr(line)
{
    public Expr Value { get; } = value;

    public string Name { get; } = name;

    public ArgList Args { get; } = args;

    public bool Negated { get; } = negated;
}

internal sealed class BinaryExpr(int line, string op, Expr left, Expr right) : Expr(line)
{
    public string Op { get; } = op;

    public Expr Left { get; } = left;

    public Expr Right { get; } = right;
}

internal sealed class UnaryExpr(int line, string op, Expr operand) : Expr(line)
{
    public string Op { get; } = op;

    public Expr Operand { get; } = operand;
}

/// <summary>A comparison chain (<c>a &lt; b &lt;= c</c>), evaluated pairwise like Python.</summary>
internal sealed class CompareExpr(int line, Expr first, (string Op, Expr Operand)[] rest) : Expr(line)
{
    public Expr First { get; } = first;

    public (string Op, Expr Operand)[] Rest { get; } = rest;
}

internal sealed class CondExpr(int line, Expr condition, Expr then, Expr? otherwise) : Expr(line)
{
    public Expr Condition { get; } = condition;

    public Expr Then { get; } = then;

    public Expr? Otherwise { get; } = otherwise;
}
