namespace Inference.Engine.Templates;

/// <summary>The template failed while rendering, where Python would raise (for example <c>'a' + none</c>).</summary>
public sealed class TemplateEvaluationException(string message) : Exception(message);
