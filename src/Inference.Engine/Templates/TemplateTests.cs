using System.Collections;
using static Inference.Engine.Templates.TemplateRuntime;

namespace Inference.Engine.Templates;

/// <summary>Jinja's tests (<c>x is defined</c>, <c>x is string</c>, ...).</summary>
internal static class TemplateTests
{
    public static bool Apply(string name, object? value, IReadOnlyList<object?> arguments)
    {
        object? Arg(int index) => index < arguments.Count ? arguments[index] : throw new TemplateEvaluationException($"test '{name}' needs an argument");

        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "mapping" => value is IDictionary,
            "sequence" => value is string or IList or IDictionary,
            "iterable" => value is string or IEnumerable,
            "callable" => value is Callable,
            "equalto" or "eq" or "==" or "sameas" => Equal(value, Arg(0)),
            "ne" or "!=" => !Equal(value, Arg(0)),
            "lt" or "lessthan" or "<" => Compare(value, Arg(0), "<") < 0,
            "le" or "<=" => Compare(value, Arg(0), "<=") <= 0,
            "gt" or "greaterthan" or ">" => Compare(value, Arg(0), ">") > 0,
            "ge" or ">=" => Compare(value, Arg(0), ">=") >= 0,
            "in" => Contains(Arg(0), value),
            "odd" => ToLong(value) % 2 != 0,
            "even" => ToLong(value) % 2 == 0,
            "divisibleby" => ToLong(value) % ToLong(Arg(0)) == 0,
            "lower" => value is string lower && lower == lower.ToLowerInvariant(),
            "upper" => value is string upper && upper == upper.ToUpperInvariant(),
            _ => throw new TemplateEvaluationException($"no test named '{name}'"),
        };
    }
}
