namespace Inference.Engine.Templates;

/// <summary>A global function such as <c>raise_exception</c> or <c>range</c>.</summary>
internal sealed class BuiltinFunction(string name, Func<Evaluator, CallArgs, object?> body) : ICallable
{
    public string Name { get; } = name;

    public object? Call(Evaluator evaluator, CallArgs args) => body(evaluator, args);
}
