using Microsoft.ML.OnnxRuntime;

namespace Inference.Engine.Onnx;

/// <summary>Creates ONNX Runtime sessions with the configured execution provider and threads.</summary>
internal static class SessionFactory
{
    public static InferenceSession Create(string modelPath, ExecutionProvider provider, int intraOpThreads)
    {
        if (!File.Exists(modelPath))
        {
            throw new ModelLoadException($"{modelPath}: the ONNX file does not exist.");
        }

        if (provider == ExecutionProvider.IlgpuCpu)
        {
            throw new ModelLoadException(
                $"{modelPath}: the execution provider ilgpu-cpu runs decoder (chat) models only; use cpu for this model.");
        }

        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            if (provider == ExecutionProvider.Cuda)
            {
                AppendCuda(options, modelPath);
            }

            // External weights (model.onnx.data) are found relative to the model file by ONNX Runtime itself.
            return new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            options.Dispose();
            throw new ModelLoadException($"{modelPath}: ONNX Runtime cannot load the model ({e.Message}).", e);
        }
    }

    private static void AppendCuda(SessionOptions options, string modelPath)
    {
        try
        {
            options.AppendExecutionProvider_CUDA(0);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            options.Dispose();
            // Never fall back to the CPU silently: a user who asked for a GPU must learn that it is not used.
            throw new ModelLoadException(
                $"{modelPath}: the CUDA execution provider was requested but is not available in this process " +
                "(the CPU build of ONNX Runtime is installed, or CUDA 12 / cuDNN 9 libraries are missing). " +
                "Build with the GPU package of ONNX Runtime (Microsoft.ML.OnnxRuntime.Gpu.Linux) and install the CUDA 12 " +
                "runtime and cuDNN 9, or set the model's execution provider to \"cpu\". Detail: " + e.Message, e);
        }
    }
}
