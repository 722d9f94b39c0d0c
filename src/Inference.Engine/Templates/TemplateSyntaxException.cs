namespace Inference.Engine.Templates;

/// <summary>The chat template source is not valid Jinja; the message names the line.</summary>
public sealed class TemplateSyntaxException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TemplateSyntaxException(string message, int line)
        : base($"{message} (line {line})") => Line = line;

    /// <summary>The 1-based line of the template source at fault.</summary>
    public int Line { get; }
}
