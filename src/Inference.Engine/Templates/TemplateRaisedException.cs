namespace Inference.Engine.Templates;

/// <summary>
/// The template called <c>raise_exception(message)</c>: it refuses the input. <see cref="Exception.Message"/>
/// is exactly the template's text, so it can be shown to the client.
/// </summary>
public sealed class TemplateRaisedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TemplateRaisedException(string message)
        : base(message)
    {
    }
}
