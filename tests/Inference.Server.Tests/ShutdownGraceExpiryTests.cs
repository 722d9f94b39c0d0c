using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Engine.Scheduling;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>Shutdown with a short grace period: a stream still running when it ends is cancelled, and its
/// sequence leaves the scheduler before the models are disposed.</summary>
public sealed class ShutdownGraceExpiryTests : ServerFixture
{
    protected override IEnumerable<string> ServerArguments => ["--Inference:Limits:ShutdownGracePeriod=00:00:00.050"];

    [Test]
    public async Task StreamOutlivingTheGracePeriod_IsCancelled_AndLeavesTheScheduler()
    {
        DecodeScheduler scheduler = SchedulerProbe.Of(Services);
        using var channel = CreateGrpcChannel();
        var client = new InferenceService.InferenceServiceClient(channel);
        using var call = client.StreamComplete(Completions.Greedy(Completions.Prompt(6), 480), deadline: DateTime.UtcNow.Add(TimeoutExtensions.Default));
        Assert.That(await call.ResponseStream.MoveNext().DefaultTimeout(), Is.True, "the stream started");

        await App.StopAsync().DefaultTimeout();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext().DefaultTimeout())
            {
            }
        });

        Assert.That(error!.StatusCode, Is.Not.EqualTo(StatusCode.OK));
        await Poll.UntilAsync(() => scheduler.Load() == 0, TimeSpan.FromSeconds(1), () => $"the sequence left (load {scheduler.Load()})");
    }
}
