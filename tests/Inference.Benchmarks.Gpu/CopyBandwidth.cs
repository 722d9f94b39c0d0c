using System.Diagnostics;
using ILGPU.Runtime;

namespace Inference.Benchmarks.Gpu;

/// <summary>The ceiling: a device-to-device copy, counted as bytes read plus bytes written per second.</summary>
internal static class CopyBandwidth
{
    public static double Measure(Accelerator accelerator, long bytes, int repeats)
    {
        using var source = accelerator.Allocate1D<float>(bytes / sizeof(float));
        using var target = accelerator.Allocate1D<float>(bytes / sizeof(float));
        source.MemSetToZero();
        source.View.CopyTo(target.View);
        accelerator.Synchronize();
        var times = new List<double>(repeats);
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            source.View.CopyTo(target.View);
            accelerator.Synchronize();
            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        times.Sort();
        return 2.0 * bytes / times[times.Count / 2];
    }
}
