using Inference.Engine;
using Inference.Engine.Cuda.Device;
using Inference.Server.Hosting;
using Inference.Server.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Tests;

/// <summary>A model configured for cuda runs on the GPU or stops start-up with a message saying why: never a
/// silent fall back to the CPU.</summary>
[TestFixture]
public sealed class CudaStartupTests
{
    [Test]
    public async Task CudaModel_RunsOnTheGpuOrStopsStartUpSayingSo()
    {
        var builder = InferenceServerHost.CreateBuilder(
        [
            "--Inference:Host=127.0.0.1",
            $"--Inference:Http:Port={ServerFixture.FreePort()}",
            $"--Inference:Grpc:Port={ServerFixture.FreePort()}",
            "--Inference:Models:0:Id=tiny-chat",
            "--Inference:Models:0:Path=models/tiny-chat",
            "--Inference:Models:0:ExecutionProvider=cuda",
        ]);
        builder.Logging.ClearProviders();
        await using var app = InferenceServerHost.Build(builder);

        if (AcceleratorFactory.CudaAvailable())
        {
            await app.StartAsync().DefaultTimeout();
            var registry = (IModelRegistry)app.Services.GetService(typeof(IModelRegistry))!;
            Assert.That(registry.TryGetChatModel("tiny-chat", out var model), Is.True);
            var tokens = new List<int>();
            var request = new GenerationRequest { PromptTokens = model!.Tokenize("1, 2, 3,"), MaxNewTokens = 4 };
            await foreach (var item in model.GenerateAsync(request, CancellationToken.None))
            {
                tokens.Add(item.TokenId);
            }

            Assert.That(tokens, Has.Count.EqualTo(4));
            await app.StopAsync().DefaultTimeout();
        }
        else
        {
            var error = await Assert.ThrowsAsync<ModelLoadException>(() => app.StartAsync().DefaultTimeout());
            Assert.That(error!.Message, Does.Contain("cuda").And.Contain("NVIDIA").And.Contain("tiny-chat"));
        }
    }
}
