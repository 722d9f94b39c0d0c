namespace Inference.Engine.Templates;

/// <summary>
/// A Hugging Face chat template (Jinja2), rendered the way transformers' <c>apply_chat_template</c> does:
/// <c>ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)</c> with loop controls, the
/// <c>generation</c> tag, <c>raise_exception</c>, <c>strftime_now</c> and transformers' <c>tojson</c>.
/// Parse once; the parsed template is immutable and can be rendered concurrently.
/// </summary>
public sealed class ChatTemplate
{
    private readonly Node[] _nodes;

    private ChatTemplate(Node[] nodes) => _nodes = nodes;

    /// <summary>Parses template source.</summary>
    /// <param name="source">The Jinja source, for example <c>chat_template</c> from <c>tokenizer_config.json</c>.</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="TemplateSyntaxException">The source is not valid Jinja; the message names the line.</exception>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(Parser.Parse(source));
    }

    /// <summary>Renders the template.</summary>
    /// <param name="variables">
    /// The template's variables (<c>messages</c>, <c>tools</c>, <c>add_generation_prompt</c>, <c>bos_token</c>, ...).
    /// Values are null, string, bool, integers, double, lists and string-keyed dictionaries (insertion order is kept).
    /// A missing key is Jinja's undefined; a key with a null value is <c>none</c>.
    /// </param>
    /// <param name="clock">The clock <c>strftime_now</c> reads (its local time); the system clock when null.</param>
    /// <returns>The rendered prompt.</returns>
    /// <exception cref="TemplateRaisedException">The template called <c>raise_exception</c>.</exception>
    /// <exception cref="TemplateEvaluationException">Evaluation failed as Python would (type errors, undefined calls).</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var evaluator = new Evaluator(variables, clock ?? TimeProvider.System);
        try
        {
            return evaluator.Render(_nodes);
        }
        catch (Exception ex) when (ex is InvalidCastException or InvalidOperationException or ArgumentException
                                       or IndexOutOfRangeException or OverflowException or FormatException)
        {
            // A value of an unexpected shape reached a built-in; report it like any other evaluation error.
            throw new TemplateEvaluationException($"Template evaluation failed: {ex.Message}", ex);
        }
    }
}
