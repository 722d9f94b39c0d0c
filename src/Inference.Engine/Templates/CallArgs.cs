namespace Inference.Engine.Templates;

/// <summary>Arguments of a call after evaluation.</summary>
internal sealed class CallArgs(List<object?> positional, List<KeyValuePair<string, object?>> named)
{
    public static readonly CallArgs None = new([], []);

    public List<object?> Positional { get; } = positional;

    public List<KeyValuePair<string, object?>> Named { get; } = named;

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        foreach (KeyValuePair<string, object?> kv in Named)
        {
            if (kv.Key == name)
            {
                return kv.Value;
            }
        }

        return index >= 0 && index < Positional.Count ? Positional[index] : fallback;
    }

    public bool Has(int index, string name)
    {
        foreach (KeyValuePair<string, object?> kv in Named)
        {
            if (kv.Key == name)
            {
                return true;
            }
        }

        return index >= 0 && index < Positional.Count;
    }
}
