using System.Collections.Concurrent;
using System.Text.Json;
using Inference.Engine.Templates;
using NUnit.Framework;

namespace Inference.Engine.Tests.Templates;

/// <summary>
/// Renders every case of the chat-template conformance suite (Fixtures/chat-templates, made with transformers)
/// and compares byte for byte; see that folder's README for what the reference passed to the template.
/// </summary>
[TestFixture]
public sealed class ChatTemplateGoldenTests
{
    private static readonly ConcurrentDictionary<string, ChatTemplate> Parsed = new(StringComparer.Ordinal);

    private static string FixtureDir =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "chat-templates");

    public static IEnumerable<TestCaseData> Cases()
    {
        using JsonDocument golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "golden.json")));
        int index = 0;
        foreach (JsonElement c in golden.RootElement.EnumerateArray())
        {
            string template = c.GetProperty("template").GetString()!;
            string conversation = c.GetProperty("conversation").GetString()!;
            bool agp = c.GetProperty("add_generation_prompt").GetBoolean();
            yield return new TestCaseData(index++)
                .SetName($"Golden({template}, {conversation}, add_generation_prompt={agp})");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void RendersLikeTransformers(int index)
    {
        using JsonDocument golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "golden.json")));
        JsonElement c = golden.RootElement[index];
        string templateName = c.GetProperty("template").GetString()!;
        ChatTemplate template = Parsed.GetOrAdd(templateName, name =>
            ChatTemplate.Parse(File.ReadAllText(Path.Combine(FixtureDir, "templates", name + ".jinja"))));
        Dictionary<string, object?> variables = BuildVariables(c);

        string? errorType = c.GetProperty("error_type").GetString();
        switch (errorType)
        {
            case null:
                string rendered = template.Render(variables, FixedTimeProvider.GoldenDate);
                Assert.That(rendered, Is.EqualTo(c.GetProperty("expected").GetString()));
                break;
            case "TemplateError":
                var raised = Assert.Throws<TemplateRaisedException>(() => template.Render(variables, FixedTimeProvider.GoldenDate));
                Assert.That(raised!.Message, Is.EqualTo(c.GetProperty("error").GetString()));
                break;
            case "TypeError":
                Assert.Throws<TemplateEvaluationException>(() => template.Render(variables, FixedTimeProvider.GoldenDate));
                break;
            default:
                Assert.Fail($"unknown error_type {errorType}");
                break;
        }
    }

    private static Dictionary<string, object?> BuildVariables(JsonElement c)
    {
        string conversationName = c.GetProperty("conversation").GetString()!;
        using JsonDocument conversations = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDir, "conversations.json")));
        JsonElement conversation = conversations.RootElement.EnumerateArray()
            .Single(x => x.GetProperty("name").GetString() == conversationName);

        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = JsonValues.ToValue(conversation.GetProperty("messages")),
            ["tools"] = conversation.TryGetProperty("tools", out JsonElement tools) ? JsonValues.ToValue(tools) : null,
            ["documents"] = null,
            ["add_generation_prompt"] = c.GetProperty("add_generation_prompt").GetBoolean(),
        };
        foreach (string token in new[] { "bos_token", "eos_token" })
        {
            // transformers passes special_tokens_map, which leaves unset tokens out entirely.
            if (c.GetProperty(token).ValueKind == JsonValueKind.String)
            {
                variables[token] = c.GetProperty(token).GetString();
            }
        }

        return variables;
    }
}
