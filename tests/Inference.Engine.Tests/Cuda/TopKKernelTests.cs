using ILGPU;
using ILGPU.Runtime;
using Inference.Engine.Cuda.Device;
using Inference.Engine.Cuda.Kernels;
using Inference.Engine.Onnx;
using Inference.Engine.Sampling;

namespace Inference.Engine.Tests.Cuda;

/// <summary>
/// The device top-k on ILGPU's CPU accelerator (16 threads per row, so the shared histogram, its atomics and barriers
/// all run) against the host's selection, on rows made to be hard: ties across the k-th place, infinities, both
/// zeros, a vocabulary that is not a multiple of the group, k equal to the vocabulary; and each row's log-sum-exp.
/// </summary>
[TestFixture]
public sealed class TopKKernelTests
{
    [TestCase(1000, 64)]
    [TestCase(37, 37)]
    [TestCase(2048, 1)]
    public void EachRow_HoldsTheHostsTopK(int vocabulary, int k)
    {
        var random = new Random(vocabulary + k);
        float[][] rows =
        [
            Enumerable.Repeat(0.5f, vocabulary).ToArray(),
            Enumerable.Range(0, vocabulary).Select(_ => (float)Math.Round((random.NextDouble() * 8) - 4, 1)).ToArray(),
            Enumerable.Range(0, vocabulary).Select(i => i % 5 == 0 ? float.NegativeInfinity : i % 7 == 0 ? -0f : i % 11 == 0 ? 0f : -(float)random.NextDouble()).ToArray(),
            Enumerable.Range(0, vocabulary).Select(_ => (float)((random.NextDouble() * 30) - 15)).ToArray(),
        ];

        var (context, accelerator) = AcceleratorFactory.Open(ExecutionProvider.IlgpuCpu, "top-k");
        using (context)
        using (accelerator)
        {
            var kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int>(TopKKernel.Run);
            using var logits = accelerator.Allocate1D(rows.SelectMany(r => r).ToArray());
            using var ids = accelerator.Allocate1D<int>(rows.Length * k);
            using var values = accelerator.Allocate1D<float>(rows.Length * k);
            using var logSumExps = accelerator.Allocate1D<float>(rows.Length);
            kernel(new KernelConfig(rows.Length, accelerator.MaxNumThreadsPerGroup), logits.View, ids.View, values.View, logSumExps.View, vocabulary, k);
            var deviceIds = ids.GetAsArray1D();
            var deviceValues = values.GetAsArray1D();
            var deviceLogSumExps = logSumExps.GetAsArray1D();

            Assert.That(accelerator.MaxNumThreadsPerGroup, Is.GreaterThan(1), "more than one thread per row");
            for (int r = 0; r < rows.Length; r++)
            {
                var fromDevice = Enumerable.Range(r * k, k).Select(i => new TokenCandidate(deviceIds[i], deviceValues[i])).Order().ToArray();
                var expected = new TokenCandidate[k];
                TopK.Select(rows[r], expected);
                Assert.That(fromDevice, Is.EqualTo(expected), $"row {r}");
                Assert.That(deviceLogSumExps[r], Is.EqualTo(TopK.LogSumExp(rows[r])).Within(1e-4f), $"row {r}: log-sum-exp");
            }
        }
    }
}
