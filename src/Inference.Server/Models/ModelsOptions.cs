using System.ComponentModel.DataAnnotations;

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

/// <summary>One model folder to load.</summary>
public sealed class ModelFolderOptions
{
    /// <summary>The id clients name the model by.</summary>
    [Required]
    public string Id { get; set; } = "";

    /// <summary>The folder: ONNX Runtime GenAI layout for chat models, an encoder folder for embedding models.
    /// Relative paths are resolved against the binary's folder.</summary>
    [Required]
    public string Path { get; set; } = "";

    /// <summary>"chat" or "embedding"; empty: detected from the folder.</summary>
    public string? Kind { get; set; }

    /// <summary>Other names that resolve to this model.</summary>
    public IList<string> Aliases { get; } = [];
}
