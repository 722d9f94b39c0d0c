namespace Inference.Engine.Templates;

/// <summary>A statement node of the parsed template. Immutable, shared by concurrent renders.</summary>
internal abstract class Node(int line)
{
    public int Line { get; } = line;
}

internal sealed class TextNode(int line, string text) : Node(line)
{
    public string Text { get; } = text;
}

internal sealed class OutputNode(int line, Expr value) : Node(line)
{
    public Expr Value { get; } = value;
}

/// <summary>Nodes rendered in the enclosing scope (the body of <c>{% generation %}</c>).</summary>
internal sealed class SequenceNode(int line, Node[] body) : Node(line)
{
    public Node[] Body { get; } = body;
}

internal sealed class ForNode(int line, string[] targets, Expr iterable, Expr? filter, Node[] body, Node[]? elseBody, bool recursive)
    : Node(line)
{
    /// <summary>One name, or several for tuple unpacking (<c>for k, v in d.items()</c>).</summary>
    public string[] Targets { get; } = targets;

    public Expr Iterable { get; } = iterable;

    public Expr? Filter { get; } = filter;

    public Node[] Body { get; } = body;

    public Node[]? ElseBody { get; } = elseBody;

    public bool Recursive { get; } = recursive;
}

internal sealed class IfNode(int line, (Expr Condition, Node[] Body)[] branches, Node[]? elseBody) : Node(line)
{
    public (Expr Condition, Node[] Body)[] Branches { get; } = branches;

    public Node[]? ElseBody { get; } = elseBody;
}

/// <summary><c>{% set a = x %}</c>, <c>{% set a, b = x %}</c> or <c>{% set ns.attr = x %}</c>.</summary>
internal sealed class SetNode(int line, string[] targets, string? attribute, Expr value) : Node(line)
{
    public string[] Targets { get; } = targets;

    /// <summary>Set for namespace attribute assignment; then <see cref="Targets"/> holds the namespace name.</summary>
    public string? Attribute { get; } = attribute;

    public Expr Value { get; } = value;
}

/// <summary><c>{% set x %}...{% endset %}</c>, optionally filtered.</summary>
internal sealed class SetBlockNode(int line, string target, string? attribute, FilterExpr[] filters, Node[] body) : Node(line)
{
    public string Target { get; } = target;

    public string? Attribute { get; } = attribute;

    public FilterExpr[] Filters { get; } = filters;

    public Node[] Body { get; } = body;
}

internal sealed class MacroNode(int line, string name, (string Name, Expr? Default)[] parameters, Node[] body) : Node(line)
{
    public string Name { get; } = name;

    public (string Name, Expr? Default)[] Parameters { get; } = parameters;

    public Node[] Body { get; } = body;
}

/// <summary><c>{% call macro(args) %}body{% endcall %}</c>: the body is passed as <c>caller()</c>.</summary>
internal sealed class CallBlockNode(int line, CallExpr call, (string Name, Expr? Default)[] parameters, Node[] body) : Node(line)
{
    public CallExpr Call { get; } = call;

    public (string Name, Expr? Default)[] Parameters { get; } = parameters;

    public Node[] Body { get; } = body;
}

internal sealed class FilterBlockNode(int line, FilterExpr[] filters, Node[] body) : Node(line)
{
    public FilterExpr[] Filters { get; } = filters;

    public Node[] Body { get; } = body;
}

internal sealed class LoopControlNode(int line, bool isBreak) : Node(line)
{
    public bool IsBreak { get; } = isBreak;
}
