using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Inference.Engine.Onnx;

namespace Inference.Engine.Cuda.Device;

/// <summary>Opens the ILGPU accelerator an execution provider asks for, or says why it cannot.</summary>
internal static class AcceleratorFactory
{
    /// <summary>ILGPU's CPU simulator sized to this machine; a warp of 4 so that tests can run the shuffle
    /// reductions with 4 lanes.</summary>
    public const int CpuWarpSize = 4;

    /// <summary>Whether ILGPU sees a CUDA device on this machine.</summary>
    public static bool CudaAvailable()
    {
        try
        {
            using var context = Context.Create(builder => builder.Cuda());
            return context.GetCudaDevices().Count > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            return false;
        }
    }

    public static (Context Context, Accelerator Accelerator) Open(ExecutionProvider provider, string model)
    {
        if (provider == ExecutionProvider.IlgpuCpu)
        {
            var cpu = Context.Create(builder => builder
                .CPU(new CPUDevice(CpuWarpSize, 4, Math.Max(1, Environment.ProcessorCount)))
                .EnableAlgorithms());
            return (cpu, cpu.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel));
        }

        Context context;
        try
        {
            context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw NoDevice(model, e.Message, e);
        }

        var devices = context.GetCudaDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw NoDevice(model, "ILGPU found no CUDA device (is the NVIDIA driver installed and a GPU visible to this process?)", null);
        }

        try
        {
            return (context, context.CreateCudaAccelerator(0));
        }
        catch (Exception e) when (e is AcceleratorException or NotSupportedException or InvalidOperationException)
        {
            context.Dispose();
            throw NoDevice(model, e.Message, e);
        }
    }

    // Never fall back to the CPU silently: a user who asked for a GPU must learn that it is not used.
    private static ModelLoadException NoDevice(string model, string detail, Exception? inner) => new(
        $"Model '{model}': the execution provider cuda needs an NVIDIA GPU with its driver (libcuda), and none can be " +
        $"used here: {detail}. Set the model's ExecutionProvider to cpu to run it on ONNX Runtime instead.", inner);
}
