using Inference.Engine.Onnx;
using Inference.Engine.Scheduling;

namespace Inference.Engine.Models;

/// <summary>A model to load: where its folder is and how to run it.</summary>
public sealed class ModelDefinition
{
    /// <summary>The id clients use.</summary>
    public string Id { get; set; } = "";

    /// <summary>The model folder (ONNX Runtime GenAI layout for chat; an encoder folder for embeddings).</summary>
    public string Path { get; set; } = "";

    /// <summary>Chat or embedding; null: detected from the folder (genai_config.json means chat).</summary>
    public ModelKind? Kind { get; set; }

    /// <summary>Other names that resolve to this model.</summary>
    public IList<string> Aliases { get; set; } = [];

    /// <summary>cpu (default, ONNX Runtime), cuda (the ILGPU backend on an NVIDIA GPU) or ilgpu-cpu (the same
    /// kernels on ILGPU's CPU accelerator, for verification only).</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>Weight storage of the ILGPU backend (cuda, ilgpu-cpu).</summary>
    public WeightStorage WeightStorage { get; set; } = WeightStorage.Auto;

    /// <summary>Threads ONNX Runtime uses inside one operator; 0 lets it choose.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Shown as the model's owner.</summary>
    public string OwnedBy { get; set; } = "inference";

    /// <summary>When set, the model is synthetic (no folder, no weights): see <see cref="SyntheticOptions"/>.</summary>
    public SyntheticOptions? Synthetic { get; set; }

    /// <summary>Batching and queueing (chat models).</summary>
    public SchedulerOptions Scheduler { get; set; } = new();
}
