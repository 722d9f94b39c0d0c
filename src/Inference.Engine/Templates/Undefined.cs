namespace Inference.Engine.Templates;

/// <summary>Jinja's default <c>Undefined</c>: prints empty, is falsy, iterates as empty, fails on attribute access.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new(null);

    public Undefined(string? name) => Name = name;

    /// <summary>What was looked up, for error messages.</summary>
    public string? Name { get; }

    public TemplateEvaluationException Fail() =>
        new(Name is null ? "undefined value" : $"'{Name}' is undefined");
}
