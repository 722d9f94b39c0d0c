namespace Inference.Server.Tests.Support;

/// <summary>The engine's instruments as the Prometheus exporter names them (dots to underscores, unit and
/// <c>_total</c> suffixes).</summary>
internal static class MetricNames
{
    public const string Requests = "inference_requests_total";
    public const string Tokens = "inference_tokens_total";
    public const string TimeToFirstTokenCount = "gen_ai_server_time_to_first_token_seconds_count";
    public const string TimePerOutputTokenCount = "gen_ai_server_time_per_output_token_seconds_count";
    public const string RequestDurationCount = "gen_ai_server_request_duration_seconds_count";
    public const string BatchSizeCount = "inference_scheduler_batch_size_count";
    public const string QueueDepth = "inference_scheduler_queue_depth";
    public const string ActiveSequences = "inference_scheduler_active_sequences";
}
