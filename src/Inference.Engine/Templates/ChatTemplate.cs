namespace Inference.Engine.Templates;
// TEMP until jinja merges
public sealed class ChatTemplate
{
    public static ChatTemplate Parse(string source) => new();
    public string Render(IReadOnlyDictionary<string, object?> variables, TimeProvider? clock = null) => throw new NotImplementedException();
}
public sealed class TemplateSyntaxException : Exception { }
public sealed class TemplateRaisedException : Exception { }
public sealed class TemplateEvaluationException : Exception { }
