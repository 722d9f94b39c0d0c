namespace Inference.Engine.Templates;

/// <summary>
/// Evaluating the template failed the way Python would fail (for example <c>str + None</c>, calling an
/// undefined value, an attribute of an undefined value).
/// </summary>
public sealed class TemplateEvaluationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TemplateEvaluationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
