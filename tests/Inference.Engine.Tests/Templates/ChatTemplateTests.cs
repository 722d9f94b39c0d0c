using Inference.Engine.Templates;

namespace Inference.Engine.Tests.Templates;

/// <summary>Jinja features real templates use that the golden conversations do not reach.</summary>
[TestFixture]
public sealed class ChatTemplateTests
{
    private static string Render(string source, object? items = null) =>
        ChatTemplate.Parse(source).Render(new Dictionary<string, object?>
        {
            ["items"] = items ?? new List<object?> { "a", "b", "c" },
            ["message"] = new Dictionary<string, object?> { ["role"] = "user", ["content"] = "  Hi there  " },
        });

    [TestCase("{% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }}", "Hello Ann! Hello Bo?")]
    [TestCase("{% set ns = namespace(found=false) %}{% for i in items %}{% if i == 'b' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}", "True")]
    [TestCase("{% set x = 1 %}{% for i in items %}{% set x = 2 %}{% endfor %}{{ x }}", "1")]
    [TestCase("{% for i in items %}{{ loop.index }}/{{ loop.length }}{{ '' if loop.last else ',' }}{% endfor %}", "1/3,2/3,3/3")]
    [TestCase("{% for i in items %}{% if i == 'b' %}{% continue %}{% endif %}{% if i == 'z' %}{% break %}{% endif %}{{ i }}{% endfor %}", "ac")]
    [TestCase("{% for i in items if i != 'a' %}{{ loop.index0 }}{{ i }}{% else %}none{% endfor %}", "0b1c")]
    [TestCase("{% for i in [] %}x{% else %}empty{% endfor %}", "empty")]
    [TestCase("{{ items[1:] }}|{{ items[:-1] }}|{{ items[::-1] | join('') }}|{{ 'hello'[1:3] }}", "['b', 'c']|['a', 'b']|cba|el")]
    [TestCase("{% if 1 > 2 %}a{% elif 2 > 1 %}b{% else %}c{% endif %}", "b")]
    [TestCase("{{ message.content | trim | upper }}|{{ message['role'] | length }}|{{ message.content.strip().split(' ') }}", "HI THERE|4|['Hi', 'there']")]
    [TestCase("{{ undefined_thing | default('fallback') }}|{{ '' | default('empty', true) }}|{{ none is none }}|{{ items is iterable }}", "fallback|empty|True|True")]
    [TestCase("{{ {'b': 1, 'a': [1, 2.5, none, true]} | tojson }}|{{ {'k': 'v'} | tojson(indent=2) }}", "{\"b\": 1, \"a\": [1, 2.5, null, true]}|{\n  \"k\": \"v\"\n}")]
    [TestCase("{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "x=1;y=2;")]
    [TestCase("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 'ab' * 2 }} {{ 1 ~ 'x' }}", "3 -4 1 2 3.5 1024 abab 1x")]
    [TestCase("{{ 'a' in 'cat' }} {{ 'role' in message }} {{ 'd' not in items }} {{ items | select('equalto', 'b') | list }}", "True True True ['b']")]
    [TestCase("{%- set text -%}  captured  {%- endset -%}[{{ text }}]", "[captured]")]
    [TestCase("{% raw %}{{ not evaluated }}{% endraw %}", "{{ not evaluated }}")]
    [TestCase("  {% if true %}\n    kept\n  {% endif %}\nend", "    kept\nend")]
    public void RendersLikeJinja(string source, string expected) => Assert.That(Render(source), Is.EqualTo(expected));

    [Test]
    public void RaiseException_CarriesTheTemplatesMessage()
    {
        var error = Assert.Throws<TemplateRaisedException>(() => Render("{{ raise_exception('Only user and assistant roles are supported!') }}"));
        Assert.That(error!.Message, Is.EqualTo("Only user and assistant roles are supported!"));
    }

    [TestCase("{{ 'a' + none }}")]
    [TestCase("{{ undefined_thing.attr }}")]
    [TestCase("{{ 'a' + {'k': 1} }}")]
    public void PythonTypeErrors_Raise(string source) =>
        Assert.Throws<TemplateEvaluationException>(() => Render(source));

    [TestCase("{% for x in items %}no end", "line 1")]
    [TestCase("line one\n{{ items[ }}", "line 2")]
    [TestCase("{% frobnicate %}", "unknown tag 'frobnicate'")]
    public void SyntaxErrors_NameTheLine(string source, string expected)
    {
        var error = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(source));
        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    public void StrftimeNow_UsesTheInjectedClock()
    {
        var clock = new FixedClock(new DateTimeOffset(2025, 1, 5, 9, 30, 0, TimeSpan.Zero));
        string text = ChatTemplate.Parse("{{ strftime_now('%d %b %Y %H:%M') }}").Render(new Dictionary<string, object?>(), clock);
        Assert.That(text, Is.EqualTo("05 Jan 2025 09:30"));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

        public override DateTimeOffset GetUtcNow() => now;
    }
}
