using System.Net;
using System.Text;
using System.Text.Json;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>The REST face byte by byte with a plain HttpClient: SSE framing, JSON shapes, error bodies.</summary>
public sealed class RestWireTests : ServerFixture
{
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public void CreateClient() => _http = CreateHttpClient();

    [OneTimeTearDown]
    public void DisposeClient() => _http.Dispose();

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")).DefaultTimeout();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout()).RootElement;

    private static async Task<List<string>> SseDataLines(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(body, Does.EndWith("data: [DONE]\n\n"), body);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(events, Has.All.StartWith("data: "), body);
        return [.. events.Select(e => e["data: ".Length..])];
    }

    private static async Task AssertOpenAiError(HttpResponseMessage response, HttpStatusCode status, string type, string? code, string? param)
    {
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.That(error.GetProperty("message").GetString(), Is.Not.Empty, text);
        Assert.That(error.GetProperty("type").GetString(), Is.EqualTo(type), text);
        if (code is not null)
        {
            Assert.That(error.GetProperty("code").GetString(), Is.EqualTo(code), text);
        }

        if (param is not null)
        {
            Assert.That(error.GetProperty("param").GetString(), Is.EqualTo(param), text);
        }
        else
        {
            Assert.That(error.TryGetProperty("param", out _), Is.True, "param is always present (null when none): " + text);
        }
    }

    [Test]
    public async Task ChatCompletion_JsonHasOpenAiShapeWithNumbersForInt64()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"temperature":0}""");
        var json = await JsonOf(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        Assert.That(json.GetProperty("object").GetString(), Is.EqualTo("chat.completion"));
        Assert.That(json.GetProperty("created").ValueKind, Is.EqualTo(JsonValueKind.Number));
        Assert.That(json.GetProperty("system_fingerprint").GetString(), Is.Not.Empty);
        var choice = json.GetProperty("choices")[0];
        Assert.That(choice.GetProperty("index").GetInt32(), Is.Zero);
        Assert.That(choice.GetProperty("message").GetProperty("role").GetString(), Is.EqualTo("assistant"));
        Assert.That(choice.GetProperty("finish_reason").GetString(), Is.EqualTo("stop").Or.EqualTo("length"));
        var usage = json.GetProperty("usage");
        Assert.That(usage.GetProperty("total_tokens").GetInt32(),
            Is.EqualTo(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32()));
    }

    [Test]
    public async Task StreamedChat_IsSseWithRoleFirstFinishLastUsageChunkThenDone()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":6,"temperature":0,"stream":true,"stream_options":{"include_usage":true}}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
        var data = await SseDataLines(response);
        Assert.That(data[^1], Is.EqualTo("[DONE]"));
        var chunks = data[..^1].Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.That(chunks, Has.All.Matches<JsonElement>(c => c.GetProperty("object").GetString() == "chat.completion.chunk"));
        Assert.That(chunks, Has.All.Matches<JsonElement>(c => c.GetProperty("created").ValueKind == JsonValueKind.Number));
        Assert.That(chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString(), Is.EqualTo("assistant"));
        var last = chunks[^1];
        Assert.That(last.GetProperty("choices").GetArrayLength(), Is.Zero);
        Assert.That(last.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), Is.InRange(1, 6));
        var finishes = chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Where(c => c.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String).ToList();
        Assert.That(finishes, Has.Count.EqualTo(1));
        Assert.That(chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString(), Is.Not.Null);
    }

    [Test]
    public async Task StreamedChat_WithoutIncludeUsage_HasNoUsageChunk()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"stream":true}""");
        var data = await SseDataLines(response);

        Assert.That(data[..^1].Select(d => JsonDocument.Parse(d).RootElement), Has.None.Matches<JsonElement>(c => c.TryGetProperty("usage", out _)));
    }

    [Test]
    public async Task StreamedCompletion_IsSseOfTextCompletionObjects()
    {
        using var response = await PostAsync("/v1/completions",
            """{"model":"tiny-chat","prompt":"Once upon a time","max_tokens":5,"temperature":0,"stream":true}""");

        var data = await SseDataLines(response);
        var chunks = data[..^1].Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.That(chunks, Is.Not.Empty);
        Assert.That(chunks, Has.All.Matches<JsonElement>(c => c.GetProperty("object").GetString() == "text_completion"));
    }

    [Test]
    public async Task Embeddings_FloatByDefaultOverRest()
    {
        using var response = await PostAsync("/v1/embeddings", """{"model":"tiny-embed","input":"hello"}""");
        var json = await JsonOf(response);

        Assert.That(json.GetProperty("object").GetString(), Is.EqualTo("list"));
        var embedding = json.GetProperty("data")[0].GetProperty("embedding");
        Assert.That(embedding.ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(embedding.GetArrayLength(), Is.EqualTo(128));
    }

    [Test]
    public async Task Embeddings_TokenListInput_IsAccepted()
    {
        using var response = await PostAsync("/v1/embeddings", """{"model":"tiny-embed","input":[[101,102,103],[104,105]],"encoding_format":"base64"}""");
        var json = await JsonOf(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), json.ToString());
        Assert.That(json.GetProperty("data").GetArrayLength(), Is.EqualTo(2));
        Assert.That(Convert.FromBase64String(json.GetProperty("data")[1].GetProperty("embedding").GetString()!), Has.Length.EqualTo(128 * 4));
    }

    [Test]
    public async Task UnknownFieldsAreIgnored_AndNullIsAccepted()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":2,"temperature":null,"seed":null,"stop":null,"some_future_field":{"x":1},"metadata":{"a":"b"}}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task NullForEveryOptionalParameter_IsAccepted(bool stream)
    {
        var body = """{"model":"tiny-chat","messages":[{"role":"user","content":"hi","name":null}],"max_tokens":2,"temperature":null,"top_p":null,"n":null,"stop":null,"seed":null,"user":null,"presence_penalty":null,"frequency_penalty":null,"logit_bias":null,"logprobs":null,"top_logprobs":null,"response_format":null,"tools":null,"tool_choice":null,"parallel_tool_calls":null,"stream_options":null,"max_completion_tokens":null,"stream":STREAM}"""
            .Replace("STREAM", stream ? "true" : "null", StringComparison.Ordinal);
        using var response = await PostAsync("/v1/chat/completions", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task ContentParts_AreJoinedAsText()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":[{"type":"text","text":"hi"},{"type":"text","text":"there"}]}],"max_tokens":2}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task StreamedChat_WithTwoChoices_EachStartsWithRoleAndEndsWithFinish()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"n":2,"stream":true}""");
        var data = await SseDataLines(response);

        var choices = data[..^1].SelectMany(d => JsonDocument.Parse(d).RootElement.GetProperty("choices").EnumerateArray().Select(c => c.Clone())).ToList();
        foreach (var index in new[] { 0, 1 })
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.That(mine, Is.Not.Empty, $"choice {index} streamed nothing");
            Assert.That(mine[0].GetProperty("delta").GetProperty("role").GetString(), Is.EqualTo("assistant"), $"choice {index}");
            Assert.That(mine[^1].TryGetProperty("finish_reason", out _), Is.True, $"choice {index} ends with finish_reason");
        }
    }

    [Test]
    public async Task ChatWithLogprobs_ReturnsTokensWithTopAlternatives()
    {
        using var response = await PostAsync("/v1/chat/completions",
            """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"temperature":0,"logprobs":true,"top_logprobs":2}""");
        var json = await JsonOf(response);

        var content = json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content");
        Assert.That(content.GetArrayLength(), Is.InRange(1, 4), json.ToString());
        var first = content[0];
        Assert.That(first.GetProperty("logprob").GetDouble(), Is.LessThanOrEqualTo(0));
        Assert.That(first.GetProperty("bytes").ValueKind, Is.EqualTo(JsonValueKind.Array));
        Assert.That(first.GetProperty("top_logprobs").GetArrayLength(), Is.EqualTo(2));
    }

    [Test]
    public async Task Completion_WithTwoPromptsAndTwoChoices_IndexesChoicesPromptByPrompt()
    {
        using var response = await PostAsync("/v1/completions",
            """{"model":"tiny-chat","prompt":["The sea","The sky"],"n":2,"max_tokens":3}""");
        var json = await JsonOf(response);

        var indexes = json.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32());
        Assert.That(indexes, Is.EqualTo(new[] { 0, 1, 2, 3 }), json.ToString());
    }

    [Test]
    public async Task CompletionLogprobs_TextOffsets_PointIntoTheText_UnaryAndStreamedAlike()
    {
        const string body = """{"model":"tiny-chat","prompt":"The capital of France is","max_tokens":6,"temperature":0,"logprobs":1STREAM}""";
        using var unary = await PostAsync("/v1/completions", body.Replace("STREAM", ""));
        var choice = (await JsonOf(unary)).GetProperty("choices")[0];
        var text = choice.GetProperty("text").GetString()!;
        var logprobs = choice.GetProperty("logprobs");
        var tokens = logprobs.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        var offsets = logprobs.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()).ToList();

        // OpenAI's text_offset: where each token's text starts in the choice's text.
        Assert.That(tokens, Has.Count.GreaterThan(1), choice.ToString());
        var expected = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            Assert.That(offsets[i], Is.EqualTo(expected), $"token {i} '{tokens[i]}' of \"{text}\"");
            if (text.AsSpan(expected).StartsWith(tokens[i], StringComparison.Ordinal))
            {
                expected += tokens[i].Length;
            }
        }

        using var streamed = await PostAsync("/v1/completions", body.Replace("STREAM", ""","stream":true"""));
        var streamedOffsets = (await SseDataLines(streamed)).Where(d => d != "[DONE]")
            .Select(d => JsonDocument.Parse(d).RootElement.GetProperty("choices"))
            .Where(c => c.GetArrayLength() > 0 && c[0].TryGetProperty("logprobs", out var l) && l.ValueKind == JsonValueKind.Object)
            .SelectMany(c => c[0].GetProperty("logprobs").GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32()));
        Assert.That(streamedOffsets, Is.EqualTo(offsets));
    }

    [Test]
    public async Task SampledChat_WithSeed_IsReproducible()
    {
        const string body = """{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"temperature":1,"seed":1234}""";
        using var first = await PostAsync("/v1/chat/completions", body);
        using var second = await PostAsync("/v1/chat/completions", body);

        var a = (await JsonOf(first)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        var b = (await JsonOf(second)).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
        Assert.That(b, Is.EqualTo(a));
    }

    [Test]
    public async Task MalformedJson_IsOpenAi400()
    {
        using var response = await PostAsync("/v1/chat/completions", """{"model": "tiny-chat", "messages": [""");
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", null, null);
    }

    [Test]
    public async Task WrongJsonType_IsOpenAi400()
    {
        using var response = await PostAsync("/v1/chat/completions", """{"model":"tiny-chat","messages":"not a list"}""");
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", null, null);
    }

    [Test]
    public async Task MalformedJson_WhenStreaming_IsOpenAi400()
    {
        using var response = await PostAsync("/v1/chat/completions", """{"stream":true,"model":"tiny-chat","messages":{"role":1}}""");
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", null, null);
    }

    [Test]
    public async Task UnknownModel_IsOpenAi404ModelNotFound()
    {
        using var response = await PostAsync("/v1/chat/completions", """{"model":"nope","messages":[{"role":"user","content":"hi"}]}""");
        await AssertOpenAiError(response, HttpStatusCode.NotFound, "invalid_request_error", "model_not_found", "model");
    }

    [Test]
    public async Task UnknownModel_WhenStreaming_IsOpenAi404BeforeAnyEvent()
    {
        using var response = await PostAsync("/v1/chat/completions", """{"model":"nope","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        await AssertOpenAiError(response, HttpStatusCode.NotFound, "invalid_request_error", "model_not_found", "model");
    }

    [Test]
    public async Task RetrieveUnknownModel_IsOpenAi404()
    {
        using var response = await _http.GetAsync("/v1/models/nope").DefaultTimeout();
        await AssertOpenAiError(response, HttpStatusCode.NotFound, "invalid_request_error", "model_not_found", "model");
    }

    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"temperature":2.5}""", "temperature")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"top_p":1.5}""", "top_p")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"n":0}""", "n")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"top_logprobs":2}""", "top_logprobs")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"presence_penalty":-3}""", "presence_penalty")]
    [TestCase("""{"model":"tiny-chat","messages":[]}""", "messages")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"wizard","content":"hi"}]}""", "messages[0].role")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}""", "response_format")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}""", "tool_choice")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"audio":{"voice":"alloy","format":"mp3"}}""", "audio")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"prediction":{"type":"content","content":"x"}}""", "prediction")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"modalities":["text","audio"]}""", "modalities")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"description":"no name"}}]}""", "tools")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", "stop")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"stop":""}""", "stop")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"logit_bias":{"not-a-token":1}}""", "logit_bias")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":0}""", "max_completion_tokens")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}],"repetition_penalty":0}""", "repetition_penalty")]
    [TestCase("""{"model":"tiny-chat","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x"}}]}]}""", "messages[0].content")]
    public async Task InvalidOrUnsupportedParameter_IsOpenAi400NamingParam(string body, string param)
    {
        using var response = await PostAsync("/v1/chat/completions", body);
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", null, param);
    }

    [Test]
    public async Task Models_SayWhatEachServes_AndItsContextLength()
    {
        var json = await JsonOf(await _http.GetAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout());
        var models = json.GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.That(models["tiny-chat"].GetProperty("kind").GetString(), Is.EqualTo("chat"));
        Assert.That(models["tiny-chat"].GetProperty("max_model_len").GetInt32(), Is.EqualTo(512));
        Assert.That(models["tiny-embed"].GetProperty("kind").GetString(), Is.EqualTo("embedding"));
        Assert.That(models["tiny-embed"].GetProperty("max_model_len").GetInt32(), Is.GreaterThan(0));
    }

    [Test]
    public async Task ErrorBody_KeepsTextAsItIs_AsTranscodingDoes()
    {
        // Escaping only what JSON requires: the message reads 'wizard', not \u0027wizard\u0027.
        using var response = await PostAsync("/v1/chat/completions", """{"model":"tiny-chat","messages":[{"role":"wiz<a>rd","content":"hi"}]}""");
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(body, Does.Contain("'wiz<a>rd' is not a valid role"));
        Assert.That(body, Does.Not.Contain("\\u00"));
    }

    [TestCase("""{"model":"tiny-chat","prompt":"x","suffix":"y"}""", "suffix")]
    [TestCase("""{"model":"tiny-chat","prompt":"x","echo":true}""", "echo")]
    [TestCase("""{"model":"tiny-chat","prompt":""}""", "prompt")]
    [TestCase("""{"model":"tiny-chat","prompt":"x","stop":["a","b","c","d","e"]}""", "stop")]
    [TestCase("""{"model":"tiny-chat","prompt":"x","logit_bias":{"1":101}}""", "logit_bias")]
    [TestCase("""{"model":"tiny-chat","prompt":"x","temperature":-1}""", "temperature")]
    [TestCase("""{"model":"tiny-chat","prompt":"x","n":2,"best_of":3}""", "best_of")]
    public async Task InvalidOrUnsupportedCompletionParameter_IsOpenAi400NamingParam(string body, string param)
    {
        using var response = await PostAsync("/v1/completions", body);
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", null, param);
    }

    [TestCase("""{"model":"tiny-embed","input":"x","dimensions":100000}""", "dimensions")]
    [TestCase("""{"model":"tiny-embed","input":"x","encoding_format":"int8"}""", "encoding_format")]
    [TestCase("""{"model":"tiny-embed","input":[]}""", "input")]
    [TestCase("""{"model":"tiny-chat","input":"x"}""", "model")]
    public async Task InvalidEmbeddingsParameter_IsOpenAi400NamingParam(string body, string param)
    {
        using var response = await PostAsync("/v1/embeddings", body);
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", null, param);
    }

    [Test]
    public async Task PromptOverContext_IsOpenAi400ContextLengthExceeded()
    {
        var text = string.Concat(Enumerable.Repeat("hello world ", 1000));
        using var response = await PostAsync("/v1/chat/completions", JsonSerializer.Serialize(new
        {
            model = "tiny-chat",
            messages = new[] { new { role = "user", content = text } },
        }));
        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "invalid_request_error", "context_length_exceeded", "messages");
    }

    [Test]
    public async Task UnknownRoute_IsOpenAi404()
    {
        using var response = await _http.GetAsync("/v1/no-such-route").DefaultTimeout();
        await AssertOpenAiError(response, HttpStatusCode.NotFound, "invalid_request_error", null, null);
    }

    [Test]
    public async Task Tokenize_OverRest_UsesSnakeCaseNames()
    {
        using var response = await PostAsync("/v1/tokenize", """{"model":"tiny-chat","prompt":"hello"}""");
        var json = await JsonOf(response);

        Assert.That(json.GetProperty("max_model_len").GetInt32(), Is.GreaterThan(0));
        Assert.That(json.GetProperty("count").GetInt32(), Is.EqualTo(json.GetProperty("tokens").GetArrayLength()));
    }

    [Test]
    public async Task Health_IsServedOverHttp()
    {
        using var response = await _http.GetAsync("/health").DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
