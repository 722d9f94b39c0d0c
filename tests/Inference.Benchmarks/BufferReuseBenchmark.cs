using System.Diagnostics;
using Inference.Engine.Onnx;
using Inference.Engine.Sampling;

namespace Inference.Benchmarks;

/// <summary>
/// What reusing the step inputs buys (issue 3): the same greedy decode loop on the ONNX session, batch 8, once with
/// the input id / mask / position arrays reused across steps as the scheduler does, once allocating them per step.
/// The present key/value tensors are new every step either way: this graph's cache grows by one position per step
/// and does not share a past/present buffer, so ONNX Runtime has nothing to write in place.
/// </summary>
internal static class BufferReuseBenchmark
{
    private const int Batch = 8;
    private const int Steps = 128;
    private const int Rounds = 5;

    public static void Run(MarkdownReport report)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "models", "tiny-chat");
        var config = GenAiConfig.Load(Path.Combine(folder, "genai_config.json"));
        using var decoder = new DecoderSession(config, folder, ExecutionProvider.Cpu, intraOpThreads: 1);
        Decode(decoder, reuse: true); // warm-up
        var reused = new List<(double Seconds, long Bytes)>();
        var fresh = new List<(double Seconds, long Bytes)>();
        for (int round = 0; round < Rounds; round++)
        {
            reused.Add(Decode(decoder, reuse: true));
            fresh.Add(Decode(decoder, reuse: false));
        }

        double reusedRate = Batch * Steps / Median(reused.Select(r => r.Seconds));
        double freshRate = Batch * Steps / Median(fresh.Select(r => r.Seconds));
        double reusedBytes = Median(reused.Select(r => (double)r.Bytes)) / Steps;
        double freshBytes = Median(fresh.Select(r => (double)r.Bytes)) / Steps;
        Console.WriteLine();
        Console.WriteLine($"decode step inputs, batch {Batch}: reused {MarkdownReport.Format(reusedRate, "F0")} tokens/s, " +
            $"{MarkdownReport.Format(reusedBytes, "F0")} managed bytes/step | allocated per step {MarkdownReport.Format(freshRate, "F0")} tokens/s, " +
            $"{MarkdownReport.Format(freshBytes, "F0")} bytes/step | ratio {MarkdownReport.Format(reusedRate / freshRate, "F3")}x");
        report.Section(
            "Step input reuse (issue 3)",
            $"Greedy decode on the ONNX session directly, batch {Batch}, {Steps} steps, {Rounds} alternating rounds, medians. " +
            "Managed bytes are allocations on the decoding thread; ONNX Runtime's native output tensors are not counted.",
            ["inputs", "tokens/s", "managed bytes/step", "ratio"],
            [
                ["reused across steps (scheduler)", MarkdownReport.Format(reusedRate, "F0"), MarkdownReport.Format(reusedBytes, "F0"), MarkdownReport.Format(reusedRate / freshRate, "F3") + "x"],
                ["allocated per step", MarkdownReport.Format(freshRate, "F0"), MarkdownReport.Format(freshBytes, "F0"), "1.000x"],
            ]);
    }

    private static (double Seconds, long Bytes) Decode(DecoderSession decoder, bool reuse)
    {
        var config = decoder.Config;
        int promptLength = 16;
        var ids = new long[Batch * promptLength];
        var mask = new long[Batch * (promptLength + Steps)];
        var positions = new long[Batch * promptLength];
        for (int r = 0; r < Batch; r++)
        {
            for (int t = 0; t < promptLength; t++)
            {
                ids[(r * promptLength) + t] = 300 + r + t;
                positions[(r * promptLength) + t] = t;
            }
        }

        Array.Fill(mask, 1L);
        var past = KvCache.Empty(config, Batch);
        var (logits, present) = decoder.Run(ids, mask, positions, Batch, promptLength, past);
        past.Dispose();
        past = present;
        var next = new int[Batch];
        long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var stepIds = new long[Batch];
        var stepPositions = new long[Batch];
        var stepMask = new long[Batch * (promptLength + Steps)];
        for (int step = 0; step < Steps; step++)
        {
            ReadNext(logits, next, step == 0 ? promptLength : 1, config.VocabSize);
            logits.Dispose();
            int total = past.Length + 1;
            if (!reuse)
            {
                stepIds = new long[Batch];
                stepPositions = new long[Batch];
                stepMask = new long[Batch * total];
            }

            for (int r = 0; r < Batch; r++)
            {
                stepIds[r] = next[r];
                stepPositions[r] = past.Length;
            }

            stepMask.AsSpan(0, Batch * total).Fill(1);
            (logits, present) = decoder.Run(stepIds, stepMask, stepPositions, Batch, 1, past);
            past.Dispose();
            past = present;
        }

        double seconds = watch.Elapsed.TotalSeconds;
        long bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
        logits.Dispose();
        past.Dispose();
        return (seconds, bytes);
    }

    private static void ReadNext(Microsoft.ML.OnnxRuntime.OrtValue logits, int[] next, int sequenceLength, int vocabulary)
    {
        var data = logits.GetTensorDataAsSpan<float>();
        for (int r = 0; r < next.Length; r++)
        {
            next[r] = Sampler.ArgMax(data.Slice(((r * sequenceLength) + sequenceLength - 1) * vocabulary, vocabulary));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }
}
