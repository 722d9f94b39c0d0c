namespace Inference.Engine;

/// <summary>Public facts about a loaded model, as listed to clients.</summary>
/// <param name="Id">The id clients name the model by.</param>
/// <param name="Kind">Chat or embedding.</param>
/// <param name="ContextLength">Most tokens (prompt plus generated) one sequence may hold.</param>
/// <param name="CreatedUnixSeconds">When the model was loaded, as Unix seconds.</param>
/// <param name="OwnedBy">The organisation shown as owner.</param>
/// <param name="Aliases">Other names that resolve to this model.</param>
public sealed record ModelInfo(
    string Id,
    ModelKind Kind,
    int ContextLength,
    long CreatedUnixSeconds,
    string OwnedBy,
    IReadOnlyList<string> Aliases);
