namespace Inference.Engine.Cuda.Onnx;

/// <summary>A graph node: enough to follow an initializer to the operator that uses it.</summary>
internal sealed record OnnxNode(
    string Name, string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long[]> IntAttributes);
