using ILGPU;
using ILGPU.Runtime;
using Inference.Engine.Cuda.Kernels;
using Inference.Engine.Cuda.Weights;
using Inference.Engine.Decoding;
using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Engine.Cuda.Device;

/// <summary>Serves the cuda and ilgpu-cpu execution providers: reads the decoder's weights from the ONNX file and
/// puts them on the accelerator.</summary>
internal sealed class IlgpuBackendFactory : IDecoderBackendFactory
{
    public static IlgpuBackendFactory Instance { get; } = new();

    public bool Serves(ExecutionProvider provider) => provider is ExecutionProvider.Cuda or ExecutionProvider.IlgpuCpu;

    public IDecoderBackend Create(GenAiConfig config, ModelDefinition definition)
    {
        var architecture = DecoderArchitecture.Load(definition.Path, config);
        string onnx = Path.Combine(definition.Path, config.DecoderFileName);
        if (!File.Exists(onnx))
        {
            throw new ModelLoadException($"{onnx}: the ONNX file does not exist.");
        }

        var weights = DecoderWeights.Load(onnx, architecture);
        var (context, accelerator) = AcceleratorFactory.Open(definition.ExecutionProvider, definition.Id);
        string deviceName = accelerator.Name;
        try
        {
            var options = new DeviceOptions
            {
                Slots = definition.Scheduler.MaxBatchSize,
                Lanes = accelerator.AcceleratorType == AcceleratorType.CPU ? 1 : accelerator.WarpSize,
                HalfPrecision = definition.WeightStorage == WeightStorage.Float16
                    || (definition.WeightStorage == WeightStorage.Auto && weights.StoredAsHalf),
            };
            var device = Create(accelerator, weights, options);
            return new IlgpuDecoderBackend(config, new OwningDevice(device, context, accelerator), options.Slots);
        }
        catch (Exception e)
        {
            accelerator.Dispose();
            context.Dispose();
            if (e is AcceleratorException or OutOfMemoryException)
            {
                throw new ModelLoadException(
                    $"Model '{definition.Id}': the weights and the key/value cache ({definition.Scheduler.MaxBatchSize} slots × " +
                    $"{architecture.ContextLength} positions) do not fit on {deviceName} ({e.Message}); lower " +
                    "Scheduler:MaxBatchSize or use WeightStorage float16.", e);
            }

            throw;
        }
    }

    /// <summary>The device decoder for the chosen storage.</summary>
    internal static IDeviceDecoder Create(Accelerator accelerator, DecoderWeights weights, DeviceOptions options) =>
        options.HalfPrecision
            ? new DeviceDecoder<Float16Weights>(accelerator, weights, options, static (w, values) => w.Float16Matrix(values))
            : new DeviceDecoder<Float32Weights>(accelerator, weights, options, static (w, values) => w.Float32Matrix(values));
}
