namespace Inference.Engine.Templates;

/// <summary>The template called <c>raise_exception(message)</c>: it refuses the input, with its own words.</summary>
public sealed class TemplateRaisedException(string message) : Exception(message);
