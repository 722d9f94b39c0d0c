namespace Inference.Engine.Templates;

/// <summary>
/// One level of variables: the render's top level, a loop iteration or a macro call. Assignments go to the
/// innermost scope, so a <c>set</c> inside a loop does not leak out, as in Jinja.
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private Dictionary<string, object?>? _variables;

    public Scope? Parent { get; } = parent;

    public bool TryGet(string name, out object? value)
    {
        for (Scope? s = this; s is not null; s = s.Parent)
        {
            if (s._variables is not null && s._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public void Set(string name, object? value) => (_variables ??= new(StringComparer.Ordinal))[name] = value;
}
