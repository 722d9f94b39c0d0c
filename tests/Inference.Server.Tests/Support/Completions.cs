using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Inference.Contracts.V1;

namespace Inference.Server.Tests.Support;

/// <summary>Greedy completions with end of sequence suppressed (so every stream runs its full length), as gRPC
/// requests and as REST bodies, and their text deltas as streams a test can stop reading at any point.</summary>
internal static class Completions
{
    public const string Model = "tiny-chat";

    /// <summary>Distinct prompts of different lengths, so the scheduler left-pads them against each other.</summary>
    public static string Prompt(int index) => (index % 4) switch
    {
        0 => string.Join(", ", Enumerable.Range(index + 1, 3 + (index % 5))) + ",",
        1 => $"The capital of France is Paris and the number {index} is",
        2 => $"Once upon a time there were {index} little",
        _ => $"{index}, {index * 2}, {index * 3},",
    };

    public static CompleteRequest Greedy(string prompt, int maxTokens)
    {
        var bias = new Struct();
        bias.Fields["0"] = Value.ForNumber(-100);
        bias.Fields["2"] = Value.ForNumber(-100);
        return new CompleteRequest { Model = Model, Prompt = Value.ForString(prompt), Temperature = 0, MaxTokens = maxTokens, LogitBias = bias };
    }

    public static string RestBody(string prompt, int maxTokens, bool stream) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model"] = Model,
        ["prompt"] = prompt,
        ["temperature"] = 0,
        ["max_tokens"] = maxTokens,
        ["logit_bias"] = new Dictionary<string, int> { ["0"] = -100, ["2"] = -100 },
        ["stream"] = stream,
    });

    /// <summary>StreamComplete's text deltas; leaving the loop early disposes the call, which cancels it.</summary>
    public static async IAsyncEnumerable<string> GrpcDeltas(
        InferenceService.InferenceServiceClient client, CompleteRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = client.StreamComplete(request, new CallOptions(deadline: DateTime.UtcNow.Add(TimeoutExtensions.Default), cancellationToken: cancellationToken));
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            foreach (var choice in call.ResponseStream.Current.Choices)
            {
                yield return choice.Text;
            }
        }
    }

    /// <summary>POST /v1/completions with "stream": true, as server-sent events; leaving the loop early disposes the
    /// response, which closes the connection.</summary>
    public static async IAsyncEnumerable<string> RestDeltas(
        HttpClient http, string prompt, int maxTokens, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent(RestBody(prompt, maxTokens, stream: true), Encoding.UTF8, "application/json"),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                yield break;
            }

            using var json = JsonDocument.Parse(data);
            if (json.RootElement.TryGetProperty("error", out var error))
            {
                throw new HttpRequestException("Error event: " + error.GetRawText());
            }

            foreach (var choice in json.RootElement.GetProperty("choices").EnumerateArray())
            {
                yield return choice.GetProperty("text").GetString()!;
            }
        }

        throw new HttpRequestException("The event stream ended without [DONE].");
    }

    public static async Task<string> TextAsync(IAsyncEnumerable<string> deltas)
    {
        var text = new StringBuilder();
        foreach (var delta in await deltas.CollectAsync().ConfigureAwait(false))
        {
            text.Append(delta);
        }

        return text.ToString();
    }
}
