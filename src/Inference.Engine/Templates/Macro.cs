namespace Inference.Engine.Templates;

/// <summary>A macro (or a call block's <c>caller</c>) bound to the scope it was defined in.</summary>
internal sealed class Macro(string name, (string Name, Expr? Default)[] parameters, Node[] body, Scope closure) : ICallable
{
    public string Name { get; } = name;

    public (string Name, Expr? Default)[] Parameters { get; } = parameters;

    public Node[] Body { get; } = body;

    public Scope Closure { get; } = closure;

    public object? Call(Evaluator evaluator, CallArgs args) => evaluator.CallMacro(this, args);
}
