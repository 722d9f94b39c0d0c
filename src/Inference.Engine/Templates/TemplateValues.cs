namespace Inference.Engine.Templates;

/// <summary>Jinja's default Undefined: prints as "", is false, iterates as empty, and fails most operations.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();

    private Undefined()
    {
    }

    public override string ToString() => "";
}

/// <summary>The object <c>namespace()</c> returns: attributes a template may set from inside loops.</summary>
internal sealed class Namespace : Dictionary<string, object?>
{
    public Namespace()
        : base(StringComparer.Ordinal)
    {
    }
}

/// <summary>A callable value: a macro, a global function or a bound method.</summary>
internal sealed class Callable(string name, Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?> invoke)
{
    public string Name { get; } = name;

    public object? Invoke(IReadOnlyList<object?> arguments, IReadOnlyDictionary<string, object?> keywords) => invoke(arguments, keywords);
}

/// <summary>The <c>loop</c> variable inside a for loop.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Attribute(string name) => name switch
    {
        "index0" => (long)Index0,
        "index" => (long)Index0 + 1,
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.Instance,
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : Undefined.Instance,
        "depth" => 1L,
        "depth0" => 0L,
        "cycle" => new Callable("cycle", (arguments, _) => arguments.Count == 0 ? null : arguments[Index0 % arguments.Count]),
        _ => Undefined.Instance,
    };
}

/// <summary>Thrown inside a loop body for <c>break</c> and <c>continue</c>.</summary>
internal sealed class LoopControlSignal(bool isBreak) : Exception
{
    public bool IsBreak { get; } = isBreak;
}
