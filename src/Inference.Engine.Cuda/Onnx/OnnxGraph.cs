namespace Inference.Engine.Cuda.Onnx;

/// <summary>The parts of an ONNX model this backend reads: the initializers by name and the nodes.</summary>
internal sealed record OnnxGraph(IReadOnlyDictionary<string, OnnxTensor> Initializers, IReadOnlyList<OnnxNode> Nodes);
