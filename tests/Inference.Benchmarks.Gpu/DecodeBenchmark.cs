using System.Diagnostics;
using ILGPU.Runtime;
using Inference.Engine.Cuda.Device;
using Inference.Engine.Cuda.Weights;
using Inference.Engine.Onnx;

namespace Inference.Benchmarks.Gpu;

/// <summary>Greedy decode steps through the backend the server uses (argmax on the device, one int per sequence
/// back to the host each step), timed after a warm-up.</summary>
internal static class DecodeBenchmark
{
    public const int Slots = 16;
    private const int PromptTokens = 16;
    private const int WarmupSteps = 4;

    public sealed record Result(double TokensPerSecond, double StepSeconds, long WeightBytes);

    public static Result Run(Accelerator accelerator, GenAiConfig config, DecoderWeights weights, bool half, int batch, int steps)
    {
        var options = new DeviceOptions
        {
            Slots = Slots,
            Lanes = accelerator.AcceleratorType == AcceleratorType.CPU ? 1 : accelerator.WarpSize,
            HalfPrecision = half,
        };
        using var backend = new IlgpuDecoderBackend(config, IlgpuBackendFactory.Create(accelerator, weights, options), Slots);
        var random = new Random(batch);
        var prompts = Enumerable.Range(0, batch)
            .Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, PromptTokens).Select(_ => random.Next(config.VocabSize)).ToArray())
            .ToArray();
        var slots = new int[batch];
        var tokens = new int[batch];
        var logits = backend.Prefill(prompts, slots);
        for (int r = 0; r < batch; r++)
        {
            tokens[r] = logits.ArgMax(r);
        }

        long start = 0;
        for (int step = 0; step < WarmupSteps + steps; step++)
        {
            if (step == WarmupSteps)
            {
                start = Stopwatch.GetTimestamp();
            }

            logits = backend.Decode(slots, tokens);
            for (int r = 0; r < batch; r++)
            {
                tokens[r] = logits.ArgMax(r);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Result(batch * steps / seconds, seconds / steps, backend.Device.WeightBytes);
    }
}
