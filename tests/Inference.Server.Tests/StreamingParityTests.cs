using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>For one greedy request, every face streams exactly the text the unary call returns: non-streaming
/// responses are built by draining the same stream.</summary>
public sealed class StreamingParityTests : ServerFixture
{
    private const string Question = "Write a sentence about the sea.";

    private static ChatCompleteRequest GreedyChat() => new()
    {
        Model = "tiny-chat",
        Messages = { new ChatMessage { Role = "user", Content = Value.ForString(Question) } },
        Temperature = 0,
        MaxTokens = 24,
    };

    [Test]
    public async Task GreedyChat_StreamedTextEqualsUnaryText_OnEveryFace()
    {
        using var http = CreateHttpClient();
        var body = $$"""{"model":"tiny-chat","messages":[{"role":"user","content":"{{Question}}"}],"temperature":0,"max_tokens":24}""";

        var restUnary = await RestUnaryText(http, "/v1/chat/completions", body, c => c.GetProperty("message").GetProperty("content").GetString()!);
        var restStream = await RestStreamText(http, "/v1/chat/completions", body, c => c.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString()! : "");

        var texts = new Dictionary<string, string> { ["REST unary"] = restUnary, ["REST SSE"] = restStream };
        foreach (var (name, channel) in Channels())
        {
            using (channel)
            {
                var client = new InferenceService.InferenceServiceClient(channel);
                var unary = await client.ChatCompleteAsync(GreedyChat(), Deadline()).ResponseAsync.DefaultTimeout();
                using var call = client.StreamChatComplete(GreedyChat(), Deadline());
                var chunks = await call.ResponseStream.ReadAllAsync().CollectAsync();
                texts[name + " unary"] = unary.Choices[0].Message.Content;
                texts[name + " stream"] = string.Concat(chunks.SelectMany(c => c.Choices).Select(c => c.Delta.Content));
            }
        }

        Assert.That(restUnary, Is.Not.Empty);
        foreach (var (face, text) in texts)
        {
            Assert.That(text, Is.EqualTo(restUnary), $"{face} differs from REST unary");
        }
    }

    [Test]
    public async Task GreedyCompletion_StreamedTextEqualsUnaryText_OnEveryFace()
    {
        using var http = CreateHttpClient();
        const string body = """{"model":"tiny-chat","prompt":"The sea is","temperature":0,"max_tokens":16}""";
        var restUnary = await RestUnaryText(http, "/v1/completions", body, c => c.GetProperty("text").GetString()!);
        var restStream = await RestStreamText(http, "/v1/completions", body, c => c.GetProperty("text").GetString()!);
        Assert.That(restStream, Is.EqualTo(restUnary), "REST SSE");

        foreach (var (name, channel) in Channels())
        {
            using (channel)
            {
                var client = new InferenceService.InferenceServiceClient(channel);
                var request = new CompleteRequest { Model = "tiny-chat", Prompt = Value.ForString("The sea is"), Temperature = 0, MaxTokens = 16 };
                var unary = await client.CompleteAsync(request, Deadline()).ResponseAsync.DefaultTimeout();
                using var call = client.StreamComplete(request, Deadline());
                var chunks = await call.ResponseStream.ReadAllAsync().CollectAsync();
                Assert.That(unary.Choices[0].Text, Is.EqualTo(restUnary), name + " unary");
                Assert.That(string.Concat(chunks.SelectMany(c => c.Choices).Select(c => c.Text)), Is.EqualTo(restUnary), name + " stream");
            }
        }
    }

    private IEnumerable<(string Name, GrpcChannel Channel)> Channels()
    {
        yield return ("gRPC", CreateGrpcChannel());
        yield return ("gRPC-Web", CreateGrpcWebChannel());
    }

    private static CallOptions Deadline() => new(deadline: DateTime.UtcNow.Add(TimeoutExtensions.Default));

    private static async Task<string> RestUnaryText(HttpClient http, string path, string body, Func<JsonElement, string> text)
    {
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json")).DefaultTimeout();
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout()).RootElement;
        return text(json.GetProperty("choices")[0]);
    }

    private static async Task<string> RestStreamText(HttpClient http, string path, string body, Func<JsonElement, string> text)
    {
        var streaming = body.Insert(1, "\"stream\":true,");
        using var response = await http.PostAsync(path, new StringContent(streaming, Encoding.UTF8, "application/json")).DefaultTimeout();
        var events = (await response.Content.ReadAsStringAsync().DefaultTimeout()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var result = new StringBuilder();
        foreach (var e in events.Where(e => e != "data: [DONE]"))
        {
            foreach (var choice in JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("choices").EnumerateArray())
            {
                result.Append(text(choice));
            }
        }

        return result.ToString();
    }
}
