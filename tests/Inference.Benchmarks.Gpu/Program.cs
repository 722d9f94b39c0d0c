using Inference.Benchmarks;
using Inference.Benchmarks.Gpu;
using Inference.Engine;
using Inference.Engine.Cuda.Device;
using Inference.Engine.Onnx;

// make bench-gpu: decode tokens/s at batch 1 and 16 and weight bandwidth as a fraction of a device-to-device copy,
// for tiny-chat and a larger random-weight model of the same architecture; and top-k sampled decode with the
// candidates selected on the device against copying rows to the host. --accelerator ilgpu-cpu runs a small
// smoke version on ILGPU's CPU accelerator (to check the binary, not to measure anything).
const double Goal = 0.70;
string accelerator = Option("--accelerator") ?? "cuda";
string results = Option("--results") ?? Path.Combine(Directory.GetCurrentDirectory(), "RESULTS-GPU.md");
bool smoke = accelerator == "ilgpu-cpu";
int steps = int.Parse(Option("--steps") ?? (smoke ? "4" : "128"), System.Globalization.CultureInfo.InvariantCulture);

if (!smoke && !AcceleratorFactory.CudaAvailable())
{
    Console.Error.WriteLine("No CUDA device: make bench-gpu needs an NVIDIA GPU and its driver (ILGPU found none). " +
        "Run with --accelerator ilgpu-cpu for a smoke test of this binary on the CPU.");
    return 2;
}

ILGPU.Context context;
ILGPU.Runtime.Accelerator device;
try
{
    (context, device) = AcceleratorFactory.Open(smoke ? ExecutionProvider.IlgpuCpu : ExecutionProvider.Cuda, "bench");
}
catch (ModelLoadException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

using (context)
using (device)
{
    Console.WriteLine($"Accelerator: {device.AcceleratorType} {device.Name}, {device.MemorySize / (1 << 20)} MiB, warp {device.WarpSize}");
    double copy = CopyBandwidth.Measure(device, smoke ? 16L << 20 : 1L << 30, smoke ? 3 : 20);
    Console.WriteLine($"Device-to-device copy: {copy / 1e9:F0} GB/s (bytes read + written)");

    var rows = new List<IReadOnlyList<string>>();
    var sampledRows = new List<IReadOnlyList<string>>();
    foreach (var (name, load) in new (string, Func<(GenAiConfig, Inference.Engine.Cuda.Weights.DecoderWeights)>)[]
    {
        ("tiny-chat", BenchModels.TinyChat),
        (smoke ? "random (smoke shape)" : "random 24L/1024/2816/16h/4kv/32000", () => BenchModels.Large(smoke)),
    })
    {
        var (config, weights) = load();
        bool large = !name.StartsWith("tiny", StringComparison.Ordinal);
        foreach (bool half in new[] { false, true })
        {
            foreach (int batch in new[] { 1, DecodeBenchmark.Slots })
            {
                var result = DecodeBenchmark.Run(device, config, weights, half, batch, steps);
                double bandwidth = result.WeightBytes / result.StepSeconds;
                double fraction = bandwidth / copy;
                string goal = large && batch == 1 ? $"{(fraction >= Goal ? "met" : "not met")} (goal ≥ {Goal:P0})" : "";
                Console.WriteLine($"{name,-36} {(half ? "fp16" : "fp32")} batch {batch,2}: {result.TokensPerSecond,9:F0} tokens/s, " +
                    $"step {result.StepSeconds * 1e3:F3} ms, weights {bandwidth / 1e9:F0} GB/s = {fraction:P1} of copy {goal}");
                rows.Add([name, half ? "fp16" : "fp32", batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    MarkdownReport.Format(result.TokensPerSecond, "F0"), MarkdownReport.Format(result.StepSeconds * 1e3, "F3"),
                    MarkdownReport.Format(result.WeightBytes / 1e6, "F0"), MarkdownReport.Format(bandwidth / 1e9, "F0"),
                    MarkdownReport.Format(fraction * 100, "F1") + " %", goal]);
            }
        }

        // Top-k sampling, fp16 weights: candidates chosen on the device vs each row copied out and chosen on the host.
        foreach (int batch in new[] { 1, DecodeBenchmark.Slots })
        {
            var onDevice = DecodeBenchmark.Run(device, config, weights, half: true, batch, steps, DecodeBenchmark.Choice.TopKOnDevice);
            var fromRows = DecodeBenchmark.Run(device, config, weights, half: true, batch, steps, DecodeBenchmark.Choice.TopKFromRows);
            double ratio = onDevice.TokensPerSecond / fromRows.TokensPerSecond;
            Console.WriteLine($"{name,-36} fp16 batch {batch,2} top-k sampled: device top-k {onDevice.TokensPerSecond,9:F0} tokens/s, " +
                $"rows to the host {fromRows.TokensPerSecond,9:F0} tokens/s, ratio {ratio:F2}x");
            sampledRows.Add([name, batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                MarkdownReport.Format(onDevice.TokensPerSecond, "F0"), MarkdownReport.Format(fromRows.TokensPerSecond, "F0"),
                MarkdownReport.Format(ratio, "F2") + "x"]);
        }
    }

    var report = new MarkdownReport();
    report.Section(
        $"ILGPU decode on {device.Name}",
        $"Greedy decode through the ILGPU backend (argmax on the device) after {16} prompt tokens, {steps} timed steps. " +
        $"Weight bandwidth = bytes of weights read per step / step time; the ceiling is a device-to-device copy in the same run, " +
        $"{copy / 1e9:F0} GB/s counting bytes read plus written.",
        ["model", "weights", "batch", "tokens/s", "step ms", "weight MB", "weight GB/s", "of copy", "goal"],
        rows);
    report.Section(
        $"Top-k sampling on {device.Name}",
        $"Decode with top_k {DecodeBenchmark.TopKSampling.TopK} at temperature {DecodeBenchmark.TopKSampling.Temperature} (fp16 weights, " +
        $"{steps} timed steps): the scheduler's way, the {DecodeBenchmark.TopKSampling.TopK} candidates selected on the device and only " +
        "they copied out, against copying each row of logits to the host and selecting there. Same samplers, same seeds.",
        ["model", "batch", "device top-k tokens/s", "rows to host tokens/s", "ratio"],
        sampledRows);
    report.WriteTo(results, "GPU benchmark results", "make bench-gpu", $"Accelerator: {device.AcceleratorType} {device.Name}.");
}

return 0;

string? Option(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
