namespace Inference.Engine.Templates;

/// <summary>The <c>loop</c> variable of a for loop.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items, LoopContext? parent, int depth) : ICallable
{
    public IReadOnlyList<object?> Items { get; } = items;

    public int Index0 { get; set; }

    public LoopContext? Parent { get; } = parent;

    public int Depth { get; } = depth;

    /// <summary>Set for recursive loops: renders the loop body over a new iterable.</summary>
    public Func<object?, string>? Recurse { get; set; }

    public object? GetAttribute(string name)
    {
        int n = Items.Count;
        return name switch
        {
            "index" => (long)(Index0 + 1),
            "index0" => (long)Index0,
            "revindex" => (long)(n - Index0),
            "revindex0" => (long)(n - Index0 - 1),
            "first" => Index0 == 0,
            "last" => Index0 == n - 1,
            "length" => (long)n,
            "depth" => (long)Depth,
            "depth0" => (long)(Depth - 1),
            "previtem" => Index0 > 0 ? Items[Index0 - 1] : new Undefined("previtem"),
            "nextitem" => Index0 + 1 < n ? Items[Index0 + 1] : new Undefined("nextitem"),
            "cycle" => new BuiltinFunction("cycle", (_, a) =>
                a.Positional.Count == 0
                    ? throw new TemplateEvaluationException("no items for cycling given")
                    : a.Positional[Index0 % a.Positional.Count]),
            _ => new Undefined(name),
        };
    }

    public object? Call(Evaluator evaluator, CallArgs args) =>
        Recurse is null
            ? throw new TemplateEvaluationException("loop() is only callable in a recursive for loop")
            : Recurse(args.Get(0, "iterable"));
}
