namespace Inference.Access.Limits;

/// <summary>The backend side of a lease: gives back concurrency and corrects the token count.</summary>
internal interface ILeaseOwner
{
    /// <param name="lease">The lease being released.</param>
    /// <param name="tokenCorrection">Actual minus admitted tokens: negative gives tokens back.</param>
    /// <param name="untilStored">Complete only once a shared limit store has the release (not only this replica).</param>
    ValueTask ReleaseAsync(RateLimitLease lease, long tokenCorrection, bool untilStored);
}
