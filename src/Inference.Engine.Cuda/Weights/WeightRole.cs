namespace Inference.Engine.Cuda.Weights;

/// <summary>What an initializer is in a Qwen2 / Llama-family decoder.</summary>
internal enum WeightRole
{
    Embedding,
    FinalNorm,
    OutputHead,
    AttentionNorm,
    MlpNorm,
    Query,
    Key,
    Value,
    QueryKeyValue,
    QueryBias,
    KeyBias,
    ValueBias,
    QueryKeyValueBias,
    AttentionOutput,
    Gate,
    Up,
    Down,
}
