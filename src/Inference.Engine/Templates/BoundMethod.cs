namespace Inference.Engine.Templates;

/// <summary>A method looked up on a value (<c>s.strip</c>, <c>d.items</c>), called later.</summary>
internal sealed class BoundMethod(object target, string name) : ICallable
{
    public object Target { get; } = target;

    public string Name { get; } = name;

    public object? Call(Evaluator evaluator, CallArgs args) => Methods.Invoke(Target, Name, args);
}
