using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Inference.Engine.Scheduling;

/// <summary>
/// The engine's instruments, on the BCL's <see cref="Meter"/> so that the engine stays free of any exporter: the
/// host chooses one (the server exports them as Prometheus text). Names follow the OpenTelemetry GenAI semantic
/// conventions where one exists (<c>gen_ai.server.*</c>, attribute <c>gen_ai.request.model</c>); the rest are
/// prefixed <c>inference.</c>.
/// </summary>
public static class EngineMetrics
{
    /// <summary>The meter's name, for exporters to subscribe to.</summary>
    public const string MeterName = "Inference.Engine";

    private static readonly Meter Meter = new(MeterName);

    // Bucket boundaries from the GenAI conventions' advice, in seconds.
    private static readonly double[] FirstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    private static readonly double[] TokenGapBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];
    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    internal static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram(
        "gen_ai.server.time_to_first_token", "s", "Time from a request's arrival at the scheduler to its first token.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FirstTokenBuckets });

    internal static readonly Histogram<double> TimePerOutputToken = Meter.CreateHistogram(
        "gen_ai.server.time_per_output_token", "s", "Time between consecutive tokens of one sequence (inter-token latency).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TokenGapBuckets });

    internal static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        "gen_ai.server.request.duration", "s", "Time from a request's arrival at the scheduler to its end.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    internal static readonly Counter<long> Tokens = Meter.CreateCounter<long>(
        "inference.tokens", "{token}", "Prompt (gen_ai.token.type=input) and generated (output) tokens.");

    internal static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "inference.requests", "{request}", "Generation requests by outcome: ok, cancelled, overloaded, error.");

    internal static readonly Histogram<int> BatchSize = Meter.CreateHistogram(
        "inference.scheduler.batch_size", "{sequence}", "Sequences decoded together in one step.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    private static readonly ConcurrentDictionary<DecodeScheduler, string> Schedulers = new();

    static EngineMetrics()
    {
        Meter.CreateObservableGauge("inference.scheduler.queue_depth", () => Observe(s => s.QueueDepth),
            "{request}", "Requests waiting to join the batch.");
        Meter.CreateObservableGauge("inference.scheduler.active_sequences", () => Observe(s => s.ActiveSequences),
            "{sequence}", "Sequences in the running batch.");
    }

    internal static void Track(DecodeScheduler scheduler, string model) => Schedulers[scheduler] = model;

    internal static void Untrack(DecodeScheduler scheduler) => Schedulers.TryRemove(scheduler, out _);

    private static IEnumerable<Measurement<int>> Observe(Func<DecodeScheduler, int> read)
    {
        foreach (var (scheduler, model) in Schedulers)
        {
            yield return new Measurement<int>(read(scheduler), new KeyValuePair<string, object?>("gen_ai.request.model", model));
        }
    }

    internal static void RecordOutcome(string model, string outcome) =>
        Requests.Add(1, new("gen_ai.request.model", model), new("outcome", outcome));

    internal static double SecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalSeconds;
}
