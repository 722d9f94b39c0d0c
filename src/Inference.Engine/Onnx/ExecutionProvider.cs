namespace Inference.Engine.Onnx;

/// <summary>Where a model runs.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider (the default).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA. Chat models run on the ILGPU backend (Inference.Engine.Cuda) on the first CUDA device;
    /// embedding models would need the GPU build of ONNX Runtime, which is not available.</summary>
    Cuda,

    /// <summary>The ILGPU backend's kernels on ILGPU's CPU accelerator: slow, for verifying the kernels on
    /// machines without a GPU (tests), never for serving.</summary>
    IlgpuCpu,
}
