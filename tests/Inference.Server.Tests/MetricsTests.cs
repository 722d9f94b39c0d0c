using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary><c>/metrics</c> on the default server: valid Prometheus text with the engine's instruments, whose
/// counters move as requests run, finish and are cancelled.</summary>
public sealed class MetricsTests : ServerFixture
{
    private GrpcChannel _channel = null!;
    private InferenceService.InferenceServiceClient _client = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public void CreateClients()
    {
        _channel = CreateGrpcChannel();
        _client = new InferenceService.InferenceServiceClient(_channel);
        _http = CreateHttpClient();
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _channel.Dispose();
        _http.Dispose();
    }

    [Test]
    public async Task Metrics_IsPrometheusText_WithTheEngineInstrumentsPerModel()
    {
        await Completions.TextAsync(Completions.GrpcDeltas(_client, Completions.Greedy("1, 2, 3,", 4)));

        using var response = await _http.GetAsync("/metrics").DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain").Or.EqualTo("application/openmetrics-text"));
        var samples = PrometheusText.Parse(text);
        var names = samples.Select(s => s.Name).ToHashSet();
        Assert.Multiple(() =>
        {
            foreach (var name in new[]
            {
                MetricNames.Requests, MetricNames.Tokens, MetricNames.TimeToFirstTokenCount, MetricNames.TimePerOutputTokenCount,
                MetricNames.RequestDurationCount, MetricNames.BatchSizeCount, MetricNames.QueueDepth, MetricNames.ActiveSequences,
            })
            {
                Assert.That(names, Does.Contain(name), text);
                Assert.That(samples.Where(s => s.Name == name).All(s => s.Labels.GetValueOrDefault("gen_ai_request_model") == Completions.Model), Is.True,
                    $"{name} is labelled with the model");
            }

            Assert.That(samples.Sum(MetricNames.Tokens, ("gen_ai_token_type", "input")), Is.GreaterThan(0), "prompt tokens counted");
            Assert.That(samples.Sum(MetricNames.Tokens, ("gen_ai_token_type", "output")), Is.GreaterThanOrEqualTo(4), "generated tokens counted");
        });
    }

    [Test]
    public async Task Metrics_CountAFinishedRequestAsOk_ACancelledOneAsCancelled_AndTheirFirstTokens()
    {
        var before = PrometheusText.Parse(await _http.GetStringAsync("/metrics").DefaultTimeout());

        await Completions.TextAsync(Completions.GrpcDeltas(_client, Completions.Greedy("The capital of France is", 8)));
        using (var cancel = new CancellationTokenSource())
        {
            var read = 0;
            var error = await Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>().Or.InstanceOf<RpcException>(), async () =>
            {
                await foreach (var _ in Completions.GrpcDeltas(_client, Completions.Greedy("1, 2, 3, 4,", 480), cancel.Token))
                {
                    if (++read == 2)
                    {
                        await cancel.CancelAsync();
                    }
                }
            });
            Assert.That(error, Is.Not.Null);
        }

        List<PrometheusSample> after = [];
        await Poll.UntilAsync(
            async () =>
            {
                after = PrometheusText.Parse(await _http.GetStringAsync("/metrics"));
                return after.Sum(MetricNames.Requests, ("outcome", "cancelled")) == before.Sum(MetricNames.Requests, ("outcome", "cancelled")) + 1;
            },
            TimeSpan.FromSeconds(1),
            () => "the cancelled request is counted as cancelled");
        Assert.Multiple(() =>
        {
            Assert.That(after.Sum(MetricNames.Requests, ("outcome", "ok")), Is.EqualTo(before.Sum(MetricNames.Requests, ("outcome", "ok")) + 1), "ok outcomes");
            Assert.That(after.Sum(MetricNames.TimeToFirstTokenCount), Is.EqualTo(before.Sum(MetricNames.TimeToFirstTokenCount) + 2), "first tokens");
            Assert.That(after.Sum(MetricNames.TimePerOutputTokenCount), Is.GreaterThan(before.Sum(MetricNames.TimePerOutputTokenCount) + 7), "token gaps");
            Assert.That(after.Sum(MetricNames.Requests, ("outcome", "error")), Is.EqualTo(before.Sum(MetricNames.Requests, ("outcome", "error"))), "no errors");
        });
    }

    [Test]
    public async Task Metrics_CountHttpRequestsPerRouteAndStatus_WithoutPerRequestGauges()
    {
        const string Duration = "http_server_request_duration_seconds_count";
        var before = PrometheusText.Parse(await _http.GetStringAsync("/metrics").DefaultTimeout());
        using (var response = await _http.GetAsync("/v1/models").DefaultTimeout())
        {
            Assert.That(response.IsSuccessStatusCode, Is.True);
        }

        var text = await _http.GetStringAsync("/metrics").DefaultTimeout();
        var after = PrometheusText.Parse(text);
        (string, string)[] route = [("http_route", "/v1/models"), ("http_response_status_code", "200")];
        Assert.Multiple(() =>
        {
            Assert.That(after.Sum(Duration, route), Is.EqualTo(before.Sum(Duration, route) + 1), text);
            // Dropped on purpose (MetricsServiceCollectionExtensions): two tagged updates per request each.
            Assert.That(after.Select(s => s.Name), Has.None.StartsWith("http_server_active_requests").And.None.StartsWith("kestrel_queued_requests"), text);
        });
    }

    [Test]
    public async Task Metrics_IncludeTheRuntimes_ProcessCpuGcAndThreadPool()
    {
        const string Allocated = "dotnet_gc_heap_total_allocated_bytes_total";
        var before = PrometheusText.Parse(await _http.GetStringAsync("/metrics").DefaultTimeout());
        await Completions.TextAsync(Completions.GrpcDeltas(_client, Completions.Greedy("1, 2, 3,", 4)));

        var text = await _http.GetStringAsync("/metrics").DefaultTimeout();
        var after = PrometheusText.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(after.Sum(Allocated), Is.GreaterThan(before.Sum(Allocated)), $"a request allocates: {text}");
            Assert.That(after.Sum("dotnet_process_cpu_time_seconds_total"), Is.GreaterThan(0), text);
            Assert.That(after.Select(s => s.Name), Does.Contain("dotnet_gc_collections_total").And.Contain("dotnet_thread_pool_queue_length_total"), text);
            Assert.That(after.Single(s => s.Name == "target_info").Labels.GetValueOrDefault("service_name"), Is.EqualTo("inference"), text);
        });
    }
}
