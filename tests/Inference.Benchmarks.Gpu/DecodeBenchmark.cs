using System.Diagnostics;
using ILGPU.Runtime;
using Inference.Engine.Cuda.Device;
using Inference.Engine.Cuda.Weights;
using Inference.Engine;
using Inference.Engine.Decoding;
using Inference.Engine.Onnx;
using Inference.Engine.Sampling;

namespace Inference.Benchmarks.Gpu;

/// <summary>Decode steps through the backend the server uses, timed after a warm-up: greedy (argmax on the device, one
/// int per sequence back to the host each step) or top-k sampled, with the candidates selected on the device or
/// from each row copied to the host.</summary>
internal static class DecodeBenchmark
{
    /// <summary>The sampling the top-k runs use: llama.cpp's and Ollama's default top_k.</summary>
    public static readonly SamplingOptions TopKSampling = new() { Temperature = 0.8f, TopK = 40 };

    /// <summary>How each step's next tokens are chosen.</summary>
    public enum Choice
    {
        /// <summary>The argmax, on the device.</summary>
        Greedy,

        /// <summary>Top-k sampling from the device's top-k (what the scheduler does).</summary>
        TopKOnDevice,

        /// <summary>Top-k sampling from the row copied to the host (what a backend without a top-k kernel does).</summary>
        TopKFromRows,
    }

    public const int Slots = 16;
    private const int PromptTokens = 16;
    private const int WarmupSteps = 4;

    public sealed record Result(double TokensPerSecond, double StepSeconds, long WeightBytes);

    public static Result Run(Accelerator accelerator, GenAiConfig config, DecoderWeights weights, bool half, int batch, int steps, Choice choice = Choice.Greedy)
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
        var samplers = prompts.Select((p, r) => new Sampler(TopKSampling with { Seed = (ulong)r }, config.VocabSize, p)).ToArray();
        var slots = new int[batch];
        var tokens = new int[batch];
        var logits = backend.Prefill(prompts, slots);
        for (int r = 0; r < batch; r++)
        {
            tokens[r] = Next(logits, r);
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
                tokens[r] = Next(logits, r);
            }
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new Result(batch * steps / seconds, seconds / steps, backend.Device.WeightBytes);

        int Next(IStepLogits logits, int r) => choice switch
        {
            Choice.Greedy => logits.ArgMax(r),
            Choice.TopKOnDevice => samplers[r].Next(logits, r),
            _ => samplers[r].Next(logits.Row(r)),
        };
    }
}
