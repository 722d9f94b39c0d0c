using System.Text.Json;
using Inference.Engine.Templates;

namespace Inference.Engine.Tests.Templates;

/// <summary>
/// Real Hugging Face chat templates against transformers' own renderings (Fixtures/chat-templates): byte for
/// byte, and the same refusals.
/// </summary>
[TestFixture]
public sealed class ChatTemplateGoldenTests
{
    private static string Folder => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "chat-templates");

    private static readonly Lazy<Dictionary<string, JsonElement>> Conversations = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "conversations.json"))).RootElement.EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!));

    private static readonly Dictionary<string, ChatTemplate> Templates = [];

    public static IEnumerable<TestCaseData> Cases()
    {
        var cases = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(
            Path.GetDirectoryName(typeof(ChatTemplateGoldenTests).Assembly.Location)!, "Fixtures", "chat-templates", "golden.json"))).RootElement;
        foreach (var golden in cases.EnumerateArray())
        {
            string name = $"{golden.GetProperty("template").GetString()}/{golden.GetProperty("conversation").GetString()}/agp={golden.GetProperty("add_generation_prompt").GetBoolean()}";
            yield return new TestCaseData(golden).SetArgDisplayNames(name);
        }
    }

    /// <summary>transformers renders strftime_now with the local clock; the goldens pinned it to this moment.</summary>
    private sealed class PinnedClock : TimeProvider
    {
        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

        public override DateTimeOffset GetUtcNow() => new(2024, 7, 26, 12, 0, 0, TimeSpan.Zero);
    }

    [TestCaseSource(nameof(Cases))]
    public void RendersLikeTransformers(JsonElement golden)
    {
        var template = Template(golden.GetProperty("template").GetString()!);
        var conversation = Conversations.Value[golden.GetProperty("conversation").GetString()!];
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = Plain(conversation.GetProperty("messages")),
            ["tools"] = conversation.TryGetProperty("tools", out var tools) ? Plain(tools) : null,
            ["documents"] = null,
            ["add_generation_prompt"] = golden.GetProperty("add_generation_prompt").GetBoolean(),
        };
        foreach (var token in new[] { "bos_token", "eos_token" })
        {
            if (golden.GetProperty(token).ValueKind == JsonValueKind.String)
            {
                variables[token] = golden.GetProperty(token).GetString();
            }
        }

        switch (golden.GetProperty("error_type").GetString())
        {
            case "TemplateError":
                var raised = Assert.Throws<TemplateRaisedException>(() => template.Render(variables, new PinnedClock()));
                Assert.That(raised!.Message, Is.EqualTo(golden.GetProperty("error").GetString()));
                break;
            case "TypeError":
                Assert.Throws<TemplateEvaluationException>(() => template.Render(variables, new PinnedClock()));
                break;
            default:
                Assert.That(template.Render(variables, new PinnedClock()), Is.EqualTo(golden.GetProperty("expected").GetString()));
                break;
        }
    }

    private static ChatTemplate Template(string name)
    {
        lock (Templates)
        {
            if (!Templates.TryGetValue(name, out var template))
            {
                template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(Folder, "templates", name + ".jinja")));
                Templates[name] = template;
            }

            return template;
        }
    }

    internal static object? Plain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out long l) ? l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
