using Inference.Engine.Templates;
using NUnit.Framework;

namespace Inference.Engine.Tests.Templates;

/// <summary>
/// Jinja features the goldens do not reach. Expected strings in <see cref="RendersLikeJinja"/> were produced by
/// jinja2 3.1.6 in transformers' environment (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, json.dumps tojson).
/// </summary>
[TestFixture]
public sealed class ChatTemplateTests
{
    private static Dictionary<string, object?> Vars() => new(StringComparer.Ordinal)
    {
        ["msgs"] = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "system", ["content"] = "sys" },
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi" },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "yo", ["extra"] = null },
        },
        ["d"] = new Dictionary<string, object?> { ["b"] = 2, ["a"] = 1L, ["c"] = new object?[] { 1, 2.5, "x" } },
        ["s"] = "  Hello, World  ",
        ["n"] = 7,
        ["f"] = 2.5,
        ["nothing"] = null,
        ["flag"] = true,
        ["words"] = new List<string> { "b", "A", "c", "a" },
    };

    private static string Render(string source, Dictionary<string, object?>? vars = null) =>
        ChatTemplate.Parse(source).Render(vars ?? Vars(), FixedTimeProvider.GoldenDate);

    [TestCase("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }}", "Hi Bob! Hi Al?")]
    [TestCase("{% macro m(a, b=a ~ '2') %}{{ a }}-{{ b }}{% endmacro %}{{ m('x') }}", "x-x2")]
    [TestCase("{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}inside{% endcall %}", "[inside]")]
    [TestCase("{% set ns = namespace(count=0, last='') %}{% for m in msgs %}{% set ns.count = ns.count + 1 %}{% set ns.last = m.role %}{% endfor %}{{ ns.count }} {{ ns.last }}", "3 assistant")]
    [TestCase("{% set x = 1 %}{% for i in range(3) %}{% set x = i %}{% endfor %}{{ x }}", "1")]
    [TestCase("{% for m in msgs %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }};{% endfor %}", "1/0/3/2/3/True/False;2/1/2/1/3/False/False;3/2/1/0/3/False/True;")]
    [TestCase("{% for m in msgs if m.role != 'system' %}{{ loop.index }}:{{ m.role }} {% endfor %}", "1:user 2:assistant ")]
    [TestCase("{% for x in [] %}x{% else %}empty{% endfor %}", "empty")]
    [TestCase("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}", "b=2,a=1,c=[1, 2.5, 'x'],")]
    [TestCase("{% for a in [1,2,3] %}{% for b in 'xy' %}{{ loop.index }}{{ b }}{% endfor %}|{{ loop.index }} {% endfor %}", "1x2y|1 1x2y|2 1x2y|3 ")]
    [TestCase("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", "0134")]
    [TestCase("{% for x in [1,2,3] %}{{ loop.cycle('a','b') }}{{ loop.previtem }}{% endfor %}", "ab1a2")]
    [TestCase("{% for i in [1,2,3,4] %}{% if i == 1 %}one{% elif i == 2 %}two{% elif i == 3 %}three{% else %}other{% endif %} {% endfor %}", "one two three other ")]
    [TestCase("{{ [1,2,3,4,5][1:3] }} {{ [1,2,3,4,5][-2:] }} {{ [1,2,3,4,5][::-1] }} {{ [1,2,3,4,5][::2] }} {{ 'abcdef'[1:-1] }} {{ 'abcdef'[::-2] }} {{ [1,2,3][5:] }}", "[2, 3] [4, 5] [5, 4, 3, 2, 1] [1, 3, 5] bcde fdb []")]
    [TestCase("{{ msgs[-1].content }} {{ msgs[1:][0].role }} {{ 'abc'[-1] }}", "yo user c")]
    [TestCase("{{ s | trim }}|{{ s | length }}|{{ msgs | length }}|{{ s | upper }}|{{ s | lower | trim }}|{{ 'hello world' | title }}|{{ 'hELLO' | capitalize }}", "Hello, World|16|3|  HELLO, WORLD  |hello, world|Hello World|Hello")]
    [TestCase("{{ words | join(', ') }}|{{ words | sort | join }}|{{ words | sort(case_sensitive=true) | join }}|{{ words | unique | list }}|{{ words | reverse | join }}|{{ words | first }}{{ words | last }}", "b, A, c, a|Aabc|Aabc|['b', 'A', 'c']|acAb|ba")]
    [TestCase("{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }}|{{ msgs | rejectattr('role', 'equalto', 'user') | map(attribute='role') | join(',') }}", "['hi']|system,assistant")]
    [TestCase("{{ msgs | selectattr('extra', 'defined') | list | length }}|{{ msgs | map(attribute='missing', default='z') | join }}|{{ [0, 1, '', 'a', none] | select | list }}", "1|zzz|[1, 'a']")]
    [TestCase("{{ undefined_var | default('dflt') }}|{{ '' | default('empty', true) }}|{{ '' | default('empty') }}|{{ nothing | default('x') }}|{{ nothing | d('y', true) }}", "dflt|empty||None|y")]
    [TestCase("{{ 'a b c' | replace(' ', '-') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'x\ny' | indent(2) }}|{{ 'x\ny' | indent(2, first=true) }}", "a-b-c|bba|x\n  y|  x\n  y")]
    [TestCase("{{ '42' | int + 1 }}|{{ '3.9' | int }}|{{ 'abc' | int }}|{{ '2.5' | float }}|{{ -3 | abs }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ 3 | float }}", "43|3|0|2.5|3|2.57|2.0|3.0")]
    [TestCase("{{ d | dictsort }}|{{ d | items | list }}|{{ 'one two  three' | wordcount }}|{{ [3,1,2] | sort(reverse=true) }}|{{ [1,2,3] | sum }}|{{ [4,9,2] | max }}{{ [4,9,2] | min }}", "[('a', 1), ('b', 2), ('c', [1, 2.5, 'x'])]|[('b', 2), ('a', 1), ('c', [1, 2.5, 'x'])]|3|[3, 2, 1]|6|92")]
    [TestCase("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ 'a\"b\\\\c\n\u00e9<&>' | tojson }}|{{ [] | tojson(indent=2) }}|{{ {'k': {}} | tojson(indent=2) }}|{{ d | tojson(sort_keys=true) }}", "{\"b\": 2, \"a\": 1, \"c\": [1, 2.5, \"x\"]}|{\n  \"b\": 2,\n  \"a\": 1,\n  \"c\": [\n    1,\n    2.5,\n    \"x\"\n  ]\n}|\"a\\\"b\\\\c\\n\u00e9<&>\"|[]|{\n  \"k\": {}\n}|{\"a\": 1, \"b\": 2, \"c\": [1, 2.5, \"x\"]}")]
    [TestCase("{{ d | string }}|{{ [1, 'a', none, true, 2.0] }}|{{ ('a',) }}|{{ nothing }}|{{ flag }}|{{ 1.5e20 }}|{{ 0.0001 }}|{{ 0.00001 }}|{{ 1/3 }}|{{ 10/2 }}", "{'b': 2, 'a': 1, 'c': [1, 2.5, 'x']}|[1, 'a', None, True, 2.0]|('a',)|None|True|1.5e+20|0.0001|1e-05|0.3333333333333333|5.0")]
    [TestCase("{{ 'a,b,,c' | list | length }}|{{ d | list }}|{{ 'x' | safe }}|{{ '<b>' | escape }}", "6|['b', 'a', 'c']|x|&lt;b&gt;")]
    [TestCase("{{ n is number }}{{ n is integer }}{{ f is float }}{{ flag is boolean }}{{ s is string }}{{ d is mapping }}{{ s is iterable }}{{ n is iterable }}{{ msgs is sequence }}{{ nothing is none }}{{ x is undefined }}{{ n is odd }}{{ n is even }}{{ 9 is divisibleby 3 }}{{ 2 is in [1,2] }}{{ flag is true }}{{ flag is false }}{{ 'a' is eq 'a' }}{{ 3 is gt 2 }}", "TrueTrueTrueTrueTrueTrueTrueFalseTrueTrueTrueTrueFalseTrueTrueTrueFalseTrueTrue")]
    [TestCase("{{ s.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith('bc') }}|{{ 'a b  c'.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}|{{ 'hello world'.title() }}|{{ 'aXa'.replace('a', 'b') }}|{{ '{} is {x}'.format(1, x=2) }}|{{ '-'.join(['a','b']) }}", "Hello, World|hi|Hello, World  |  Hello, World|TrueTrue|['a', 'b', 'c']|['a', 'b,c']|HIhi|Hello World|bXb|1 is 2|a-b")]
    [TestCase("{{ d.keys() | list }}|{{ d.values() | list }}|{{ d.get('a') }}|{{ d.get('zz', 'none!') }}|{{ d.get('zz') }}|{{ 'a' in d }}{{ 'zz' not in d }}{{ 'ell' in 'hello' }}{{ 2 in [1,2] }}", "['b', 'a', 'c']|[2, 1, [1, 2.5, 'x']]|1|none!|None|TrueTrueTrueTrue")]
    [TestCase("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 'ab' * 3 }} {{ 1 + 2.0 }} {{ 'a' ~ 1 ~ none }} {{ 1 if flag else 2 }} {{ 'yes' if nothing else 'no' }} {{ [1] + [2] }}", "3 -4 1 2 1024 3.5 ababab 3.0 a1None 1 no [1, 2]")]
    [TestCase("{{ (1 < 2 < 3) }} {{ 1 == 1.0 }} {{ msgs[0] == {'role': 'system', 'content': 'sys'} }} {{ [1,[2]] == [1,[2]] }} {{ not nothing }} {{ nothing or 'x' }} {{ 0 and 1 }} {{ '' or [] }}", "True True True True True x 0 []")]
    [TestCase("{{ \"it's\" }} {{ 'say \"hi\"' }} {{ 'tab\\there' }} {{ 'uni\\u00e9' }}", "it's say \"hi\" tab\there uni\u00e9")]
    [TestCase("{% set block %}  Hello {{ n }}  {% endset %}[{{ block | trim }}]{% filter upper %}shout{% endfilter %}", "[Hello 7]SHOUT")]
    [TestCase("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set t = (1, 2) %}{{ t }}", "12(1, 2)")]
    [TestCase("a  {%- if true %}  b  {% endif -%}  c", "a  b  c")]
    [TestCase("line1\n    {% if true %}\n    inside\n    {% endif %}\nline2\n", "line1\n    inside\nline2")]
    [TestCase("{{- '  x  ' -}}   {# comment #}\n  {#- c2 -#}  y", "  x  y")]
    [TestCase("{% raw %}{{ not evaluated }}{% endraw %}", "{{ not evaluated }}")]
    [TestCase("{{ msgs[0].content.content is defined }} {{ s.foo is defined }} {{ nothing.foo is defined }}", "False False False")]
    public void RendersLikeJinja(string source, string expected) =>
        Assert.That(Render(source), Is.EqualTo(expected));

    [Test]
    public void SyntaxErrorNamesTheLine()
    {
        var ex = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse("line one\n{% if x %}\nok\n{% endfor %}"));
        Assert.That(ex!.Line, Is.EqualTo(4));
        Assert.That(ex.Message, Does.Contain("line 4"));
    }

    [TestCase("{{ x | nosuchfilter }}", "No filter named 'nosuchfilter'")]
    [TestCase("{% frobnicate %}", "unknown tag 'frobnicate'")]
    [TestCase("{{ 'unterminated }}", "Unterminated string")]
    [TestCase("{% for x in y %}never closed", "endfor")]
    [TestCase("{% break %}", "outside of a loop")]
    [TestCase("{{ x is nosuchtest }}", "No test named")]
    public void RejectsBadSyntax(string source, string messagePart)
    {
        var ex = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(source));
        Assert.That(ex!.Message, Does.Contain(messagePart));
    }

    [Test]
    public void DeepNestingIsASyntaxErrorNotAStackOverflow()
    {
        Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse("{{ " + new string('(', 5000) + "1" + new string(')', 5000) + " }}"));
        Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse("{{ " + string.Concat(Enumerable.Repeat("not ", 5000)) + "1 }}"));
        Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse(string.Concat(Enumerable.Repeat("{% if 1 %}", 5000))));
        Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Parse("{{ 1" + string.Concat(Enumerable.Repeat(" + 1", 50000)) + " }}"));
        Assert.That(Render("{{ 1" + string.Concat(Enumerable.Repeat(" + 1", 100)) + " }}"), Is.EqualTo("101"));
    }

    [Test]
    public void RaiseExceptionCarriesTheTemplatesMessage()
    {
        var ex = Assert.Throws<TemplateRaisedException>(() => Render("{{ raise_exception('Roles must alternate!') }}"));
        Assert.That(ex!.Message, Is.EqualTo("Roles must alternate!"));
    }

    [TestCase("{{ 'a' + nothing }}")]
    [TestCase("{{ 'a' + d }}")]
    [TestCase("{{ 1 + 'a' }}")]
    [TestCase("{{ not_defined() }}")]
    [TestCase("{{ not_defined.attr }}")]
    [TestCase("{{ 'a' + not_defined }}")]
    [TestCase("{{ 1 // 0 }}")]
    [TestCase("{{ 1 in 'abc' }}")]
    [TestCase("{{ 'a' < 1 }}")]
    [TestCase("{% set s.x = 1 %}")]
    [TestCase("{{ nothing | tojson }}{{ not_defined | tojson }}")]
    [TestCase("{% for x in nothing %}{% endfor %}")]
    public void PythonRuntimeErrorsRaise(string source) =>
        Assert.Throws<TemplateEvaluationException>(() => Render(source));

    [Test]
    public void StrftimeNowUsesTheInjectedClock() =>
        Assert.That(
            Render("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-d %y %j %H:%M:%S %I%p %a %m') }}"),
            Is.EqualTo("26 Jul 2024|Friday July 26 24 208 12:00:00 12PM Fri 07"));

    [Test]
    public void MissingKeyIsUndefinedButNullIsNone()
    {
        var vars = new Dictionary<string, object?> { ["tools"] = null };
        Assert.That(
            Render("{{ tools is defined }} {{ tools is none }} {{ other is defined }} [{{ other }}] [{{ tools }}]", vars),
            Is.EqualTo("True True False [] [None]"));
    }

    [Test]
    public void DropsOneTrailingNewlineOfTheSource() =>
        Assert.That(Render("x\n\n"), Is.EqualTo("x\n"));

    [Test]
    public void GenerationTagRendersItsBody() =>
        Assert.That(Render("a{% generation %}b{{ n }}{% endgeneration %}c"), Is.EqualTo("ab7c"));

    [Test]
    public void CallerSuppliedDictionaryOrderIsKept() =>
        Assert.That(
            Render("{{ d | tojson }} {% for k in d %}{{ k }}{% endfor %}"),
            Is.EqualTo("{\"b\": 2, \"a\": 1, \"c\": [1, 2.5, \"x\"]} bac"));

    [Test]
    public void RecursiveMacroIsBounded() =>
        Assert.Throws<TemplateEvaluationException>(() => Render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"));

    [Test]
    public void ParsedTemplateRendersConcurrently()
    {
        ChatTemplate template = ChatTemplate.Parse(
            "{% set ns = namespace(n=0) %}{% for m in msgs %}{% set ns.n = ns.n + 1 %}{{ m.role }}{% endfor %}{{ ns.n }}");
        string[] results = new string[64];
        Parallel.For(0, results.Length, i => results[i] = template.Render(Vars()));
        Assert.That(results, Is.All.EqualTo("systemuserassistant3"));
    }
}
