using Inference.Engine.Cuda.Device;
using Inference.Engine.Cuda.Weights;
using Inference.Engine.Onnx;

namespace Inference.Engine.Tests.Cuda;

/// <summary>
/// On CUDA every kernel splits a row across a warp and reduces with shuffles; the golden tests run them with one
/// lane per row (ILGPU's CPU accelerator makes each shuffle a thread rendezvous). This runs the shuffle paths on
/// the CPU accelerator with 4 lanes (its warp) on a small random model and holds them to the one-lane results:
/// projections, the fused norm, rotary embedding and cache, attention split over dimensions and positions, argmax.
/// </summary>
[TestFixture]
public sealed class LaneReductionTests
{
    private static readonly DecoderArchitecture Shape = new()
    {
        ModelType = "llama",
        HiddenSize = 64,
        LayerCount = 1,
        HeadCount = 4,
        KeyValueHeadCount = 2,
        HeadSize = 16,
        IntermediateSize = 96,
        VocabSize = 64,
        ContextLength = 16,
        RmsNormEpsilon = 1e-5f,
        RopeTheta = 10000,
        TieWordEmbeddings = false,
    };

    [Test]
    public void FourLanesPerRow_GiveTheLogitsAndArgMaxOfOneLane()
    {
        var weights = DecoderWeights.Random(Shape, seed: 3);
        int[][] prompts = [[1, 2, 3], [4, 5, 6, 7, 8]];
        var (context, accelerator) = AcceleratorFactory.Open(ExecutionProvider.IlgpuCpu, "lanes");
        using (context)
        using (accelerator)
        {
            var one = Run(IlgpuBackendFactory.Create(accelerator, weights, Options(lanes: 1)), prompts);
            var four = Run(IlgpuBackendFactory.Create(accelerator, weights, Options(lanes: AcceleratorFactory.CpuWarpSize)), prompts);

            Assert.That(four.ArgMax, Is.EqualTo(one.ArgMax));
            Assert.That(four.Logits, Is.EqualTo(one.Logits).Within(1e-4f));
            Assert.That(one.Logits.Select(v => Math.Abs(v)).Max(), Is.GreaterThan(0.01f), "the logits are not all zero");
        }
    }

    private static DeviceOptions Options(int lanes) => new() { Slots = 2, Lanes = lanes, HalfPrecision = false, ChunkTokens = 4 };

    /// <summary>Prefill (in chunks of 4 tokens, so one prompt spans two forward passes), then one decode step.</summary>
    private static (float[] Logits, int[] ArgMax) Run(IDeviceDecoder device, int[][] prompts)
    {
        using var backend = new IlgpuDecoderBackend(Shape.ToGenAiConfig(), device, slots: 2);
        var slots = new int[2];
        var prefill = backend.Prefill(prompts, slots);
        var logits = new List<float>();
        var argMax = new List<int>();
        for (int r = 0; r < 2; r++)
        {
            logits.AddRange(prefill.Row(r).ToArray());
            argMax.Add(prefill.ArgMax(r));
        }

        var step = backend.Decode(slots, [argMax[0], argMax[1]]);
        for (int r = 0; r < 2; r++)
        {
            logits.AddRange(step.Row(r).ToArray());
            argMax.Add(step.ArgMax(r));
        }

        return ([.. logits], [.. argMax]);
    }
}
