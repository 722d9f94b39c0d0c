using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Inference.Engine;
using Inference.Engine.Models;

namespace Inference.Benchmarks;

/// <summary>
/// Issue 3's benchmark: prefill tokens/s and batch-1 greedy decode tokens/s of the engine on tiny-chat, side by
/// side with transformers.js (onnxruntime-node) generating greedily from the same ONNX file with the same thread
/// count. Both sides: a warm-up, then per round "generate 1 token" (prefill) and "generate N tokens" with end of
/// sequence suppressed, rounds alternating between the two, medians reported.
/// </summary>
internal static class EngineBenchmark
{
    private const int Threads = 1;
    private const int NewTokens = 128;
    private const int Rounds = 5;
    private const int RepeatsPerRound = 3;

    public static async Task RunAsync(MarkdownReport report)
    {
        string modelFolder = Path.Combine(AppContext.BaseDirectory, "models", "tiny-chat");
        using var registry = ModelRegistry.Load([new ModelDefinition { Id = "tiny-chat", Path = modelFolder, IntraOpThreads = Threads }]);
        registry.TryGetChatModel("tiny-chat", out var model);
        var prompt = model!.Tokenize(string.Join(", ", Enumerable.Range(1, 60)));
        Console.WriteLine($"engine: tiny-chat, prompt {prompt.Count} tokens, {NewTokens} new tokens, {Threads} intra-op thread(s), {Rounds} rounds x {RepeatsPerRound}");

        await Measure(model, prompt, 4); // warm-up
        var engineRuns = new List<(double PrefillMs, double TotalMs)>();
        var referenceRuns = new List<(double PrefillMs, double TotalMs)>();
        for (int round = 0; round < Rounds; round++)
        {
            engineRuns.Add(await MeasureRound(model, prompt));
            referenceRuns.Add(await TransformersJs(modelFolder, prompt));
            Console.WriteLine($"  round {round + 1}: engine prefill {MarkdownReport.Format(engineRuns[^1].PrefillMs, "F2")} ms, " +
                $"{NewTokens} tokens {MarkdownReport.Format(engineRuns[^1].TotalMs)} ms | transformers.js prefill " +
                $"{MarkdownReport.Format(referenceRuns[^1].PrefillMs, "F2")} ms, {MarkdownReport.Format(referenceRuns[^1].TotalMs)} ms");
        }

        var engine = Summarise(engineRuns, prompt.Count);
        var reference = Summarise(referenceRuns, prompt.Count);
        var rows = new List<IReadOnlyList<string>>
        {
            Row("prefill tokens/s", engine.Prefill, reference.Prefill),
            Row("batch-1 decode tokens/s", engine.Decode, reference.Decode),
        };
        Console.WriteLine();
        Console.WriteLine($"{"measure",-26}{"engine",12}{"transformers.js",18}{"ratio",8}   (goal >= 1.0x)");
        foreach (var row in rows)
        {
            Console.WriteLine($"{row[0],-26}{row[1],12}{row[2],18}{row[3],8}");
        }

        report.Section(
            "Engine vs transformers.js (issue 3)",
            $"tiny-chat, prompt {prompt.Count} tokens, {NewTokens} generated greedily with EOS suppressed, " +
            $"{Threads} intra-op thread each, {Rounds} alternating rounds of {RepeatsPerRound}. Goal: ratio >= 1.0.",
            ["measure", "engine", "transformers.js", "ratio"],
            rows);
    }

    private static string[] Row(string name, double engine, double reference) =>
        [name, MarkdownReport.Format(engine, "F0"), MarkdownReport.Format(reference, "F0"), MarkdownReport.Format(engine / reference, "F2") + "x"];

    private static (double Prefill, double Decode) Summarise(List<(double PrefillMs, double TotalMs)> runs, int promptTokens)
    {
        double prefillMs = Median(runs.Select(r => r.PrefillMs));
        double totalMs = Median(runs.Select(r => r.TotalMs));
        return (promptTokens / (prefillMs / 1000), (NewTokens - 1) / ((totalMs - prefillMs) / 1000));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static async Task<(double PrefillMs, double TotalMs)> MeasureRound(IChatModel model, IReadOnlyList<int> prompt)
    {
        var prefill = new List<double>();
        var total = new List<double>();
        for (int i = 0; i < RepeatsPerRound; i++)
        {
            prefill.Add(await Measure(model, prompt, 1));
            total.Add(await Measure(model, prompt, NewTokens));
        }

        return (Median(prefill), Median(total));
    }

    private static async Task<double> Measure(IChatModel model, IReadOnlyList<int> prompt, int newTokens)
    {
        var request = new GenerationRequest
        {
            PromptTokens = prompt,
            MaxNewTokens = newTokens,
            // Suppress end of sequence, as transformers.js's min_new_tokens does, so both generate exactly N.
            Sampling = SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [0] = float.NegativeInfinity, [2] = float.NegativeInfinity } },
        };
        var watch = Stopwatch.StartNew();
        int count = 0;
        await foreach (var _ in model.GenerateAsync(request, CancellationToken.None))
        {
            count++;
        }

        if (count != newTokens)
        {
            throw new InvalidOperationException($"expected {newTokens} tokens, got {count}");
        }

        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task<(double PrefillMs, double TotalMs)> TransformersJs(string modelFolder, IReadOnlyList<int> prompt)
    {
        string script = Path.Combine(MarkdownReport.ProjectFolder(), "transformers-js", "bench.mjs");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
        {
            script, modelFolder, Threads.ToString(CultureInfo.InvariantCulture), string.Join(',', prompt),
            NewTokens.ToString(CultureInfo.InvariantCulture), RepeatsPerRound.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"transformers.js failed ({process.ExitCode}): {errors}");
        }

        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return (json.RootElement.GetProperty("prefill_ms").GetDouble(), json.RootElement.GetProperty("total_ms").GetDouble());
    }
}
