namespace Inference.Engine.Templates;

/// <summary>The template text is not valid Jinja; the message names the line.</summary>
public sealed class TemplateSyntaxException(string message) : Exception(message);
