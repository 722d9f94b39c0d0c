using Inference.Engine.Cuda.Device;
using Inference.Engine.Decoding;
using Inference.Engine.Models;
using Inference.Engine.Onnx;
using Inference.Engine.Scheduling;

namespace Inference.Engine.Tests.Onnx;

/// <summary>Opens tiny-chat's decoder on a given backend, as the model registry would.</summary>
internal static class Backends
{
    public static IDecoderBackend Open(ExecutionProvider provider, WeightStorage storage, int slots)
    {
        string folder = GoldenFiles.ModelFolder("tiny-chat");
        var config = GenAiConfig.Load(Path.Combine(folder, "genai_config.json"));
        if (provider == ExecutionProvider.Cpu)
        {
            return new OnnxDecoderBackend(new DecoderSession(config, folder, provider, intraOpThreads: 1));
        }

        return IlgpuBackendFactory.Instance.Create(config, new ModelDefinition
        {
            Id = "tiny-chat",
            Path = folder,
            ExecutionProvider = provider,
            WeightStorage = storage,
            Scheduler = new SchedulerOptions { MaxBatchSize = slots },
        });
    }
}
