namespace Inference.Engine.Onnx;

/// <summary>Where ONNX Runtime runs a model.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider (the default).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA; needs the GPU build of ONNX Runtime and CUDA/cuDNN on the machine.</summary>
    Cuda,
}
