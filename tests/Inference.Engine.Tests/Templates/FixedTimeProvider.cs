namespace Inference.Engine.Tests.Templates;

/// <summary>A clock pinned to one instant in UTC, so strftime_now is reproducible in tests.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <summary>The instant the goldens were rendered at: 2024-07-26 12:00:00.</summary>
    public static readonly FixedTimeProvider GoldenDate = new(new DateTimeOffset(2024, 7, 26, 12, 0, 0, TimeSpan.Zero));

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override DateTimeOffset GetUtcNow() => now;
}
