using Inference.Engine.Models;
using Inference.Engine.Scheduling;

namespace Inference.Server.Models;

/// <summary>The models to serve (configuration section <c>Inference:Models</c>). Empty: the embedded defaults,
/// <c>tiny-chat</c> and <c>tiny-embed</c>, from the <c>models/</c> folder beside the binary.</summary>
public sealed class ModelsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Inference";

    /// <summary>The model folders to load.</summary>
    public IList<ModelFolderOptions> Models { get; } = [];
}

/// <summary>One model to load (configuration <c>Inference:Models:N:*</c>).</summary>
public sealed class ModelFolderOptions
{
    /// <summary>The id clients name the model by.</summary>
    public string Id { get; set; } = "";

    /// <summary>The folder: ONNX Runtime GenAI layout for chat models, an encoder folder for embedding models.
    /// Relative paths are resolved against the binary's folder. Not used by synthetic models.</summary>
    public string Path { get; set; } = "";

    /// <summary>"chat" or "embedding"; empty: detected from the folder.</summary>
    public string? Kind { get; set; }

    /// <summary>Other names that resolve to this model.</summary>
    public IList<string> Aliases { get; } = [];

    /// <summary>"cpu" (default: ONNX Runtime), "cuda" (the ILGPU backend on an NVIDIA GPU; without one, start-up
    /// stops) or "ilgpu-cpu" (the same kernels on ILGPU's CPU accelerator: slow, for verification only).</summary>
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>Weight storage of the ILGPU backend: "auto" (as the ONNX file stores them), "fp32" or "fp16".</summary>
    public string WeightStorage { get; set; } = "auto";

    /// <summary>Threads ONNX Runtime uses inside one operator; 0 lets it choose.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Shown as the model's owner in /v1/models.</summary>
    public string OwnedBy { get; set; } = "inference";

    /// <summary>Batching and queueing: MaxBatchSize, MaxQueuedRequests, MaxPrefillTokensPerStep.</summary>
    public SchedulerOptions Scheduler { get; set; } = new();

    /// <summary>Set to serve a synthetic model (no folder): TokensPerSecond (0 = unthrottled), ContextLength.</summary>
    public SyntheticOptions? Synthetic { get; set; }
}
