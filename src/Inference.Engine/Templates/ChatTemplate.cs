namespace Inference.Engine.Templates;

/// <summary>
/// A Hugging Face chat template: Jinja as transformers renders it (trim_blocks, lstrip_blocks, loop controls, the
/// generation tag, <c>raise_exception</c>, <c>strftime_now</c>, and a <c>tojson</c> that writes like Python's
/// json.dumps). Parsed once; rendering is thread-safe.
/// </summary>
public sealed class ChatTemplate
{
    private readonly IReadOnlyList<Node> _nodes;

    private ChatTemplate(IReadOnlyList<Node> nodes) => _nodes = nodes;

    /// <summary>Parses template source.</summary>
    /// <exception cref="TemplateSyntaxException">The source is not valid Jinja.</exception>
    public static ChatTemplate Parse(string source) => new(TemplateParser.Parse(source));

    /// <summary>Renders with the given variables (strings, numbers, booleans, null, lists and string-keyed
    /// dictionaries; a missing variable is Jinja's undefined, a null one is none).</summary>
    /// <param name="variables">Typically messages, tools, add_generation_prompt, bos_token, eos_token.</param>
    /// <param name="clock">The clock behind <c>strftime_now</c> (local time); the system clock when null.</param>
    /// <exception cref="TemplateRaisedException">The template called raise_exception.</exception>
    /// <exception cref="TemplateEvaluationException">The template failed where Python would raise.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null)
    {
        try
        {
            return new TemplateRenderer(clock ?? TimeProvider.System).Render(_nodes, variables);
        }
        catch (LoopControlSignal)
        {
            throw new TemplateEvaluationException("'break' or 'continue' outside a loop");
        }
        catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            // A template that indexes past arguments or formats wrongly is the template's error, not the server's.
            throw new TemplateEvaluationException(e.Message);
        }
    }
}
