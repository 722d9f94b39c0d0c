namespace Inference.Engine.Templates;

/// <summary>Something a template can call: a macro, a global function, a bound method.</summary>
internal interface ICallable
{
    object? Call(Evaluator evaluator, CallArgs args);
}
