using Grpc.Core;
using Grpc.Net.Client;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>Shutdown with a grace period long enough: a running stream finishes to its last token while the
/// server stops; afterwards no connection is accepted.</summary>
public sealed class GracefulShutdownTests : ServerFixture
{
    protected override IEnumerable<string> ServerArguments => ["--Inference:Limits:ShutdownGracePeriod=00:00:20"];

    [Test]
    public async Task RunningStream_FinishesWithinTheGracePeriod_WhileTheServerStops()
    {
        using var channel = CreateGrpcChannel();
        var client = new InferenceService.InferenceServiceClient(channel);
        using var call = client.StreamComplete(Completions.Greedy(Completions.Prompt(4), 480), deadline: DateTime.UtcNow.Add(TimeoutExtensions.Default));
        Assert.That(await call.ResponseStream.MoveNext().DefaultTimeout(), Is.True, "the stream started");

        var stopping = App.StopAsync();
        string? finish = null;
        while (await call.ResponseStream.MoveNext().DefaultTimeout())
        {
            foreach (var choice in call.ResponseStream.Current.Choices.Where(c => c.HasFinishReason))
            {
                finish = choice.FinishReason;
            }
        }

        await stopping.DefaultTimeout();
        Assert.That(finish, Is.EqualTo("length"), "the stream ran to its end during shutdown");
        using var http = CreateHttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/health").DefaultTimeout(), "a stopped server accepts nothing");
    }
}
