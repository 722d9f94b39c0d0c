namespace Inference.Engine;

/// <summary>What a registered model does.</summary>
public enum ModelKind
{
    /// <summary>A decoder that generates text (chat and completions).</summary>
    Chat,

    /// <summary>An encoder that turns text into vectors.</summary>
    Embedding,
}
