namespace Inference.Engine.Templates;

/// <summary>The object <c>namespace()</c> returns: the one value templates may assign attributes on.</summary>
internal sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}
