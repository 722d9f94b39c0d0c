using Inference.Engine;
using Inference.Engine.Models;
using Inference.Engine.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace Inference.Server.Tests.Support;

/// <summary>The running server's scheduler for a model, read in-process: slots are observed, not guessed.</summary>
internal static class SchedulerProbe
{
    public static DecodeScheduler Of(IServiceProvider services, string model = Completions.Model)
    {
        var registry = services.GetRequiredService<IModelRegistry>();
        Assert.That(registry.TryGetChatModel(model, out var chat), Is.True, $"model {model} is loaded");
        return ((ChatModel)chat!).Scheduler;
    }

    /// <summary>Every request the scheduler holds, running or waiting.</summary>
    public static int Load(this DecodeScheduler scheduler) => scheduler.ActiveSequences + scheduler.QueueDepth;
}
