namespace Inference.Engine.Models;

/// <summary>How the ILGPU backend stores weight matrices on the device.</summary>
public enum WeightStorage
{
    /// <summary>As the ONNX file stores them: float16 (and bfloat16) files as float16, float32 files as float32.</summary>
    Auto,

    /// <summary>float32: exact, twice the bytes per decode step.</summary>
    Float32,

    /// <summary>float16: half the memory and bandwidth; logits move by about 1e-2 on small models.</summary>
    Float16,
}
