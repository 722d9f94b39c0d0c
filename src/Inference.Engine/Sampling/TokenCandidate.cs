namespace Inference.Engine.Sampling;

/// <summary>
/// A token id and its logit, ordered as samplers rank them: by falling logit, and among equal logits the lower id
/// first (the tie rule of argmax). With a total order, candidates chosen on a device and on the host sort the same,
/// so a seeded draw picks the same token from either.
/// </summary>
internal readonly record struct TokenCandidate(int Id, float Logit) : IComparable<TokenCandidate>
{
    public int CompareTo(TokenCandidate other) =>
        Logit > other.Logit ? -1 : Logit < other.Logit ? 1 : Id.CompareTo(other.Id);

    /// <summary>Whether this candidate ranks below <paramref name="other"/>.</summary>
    public bool RanksBelow(TokenCandidate other) => CompareTo(other) > 0;
}
