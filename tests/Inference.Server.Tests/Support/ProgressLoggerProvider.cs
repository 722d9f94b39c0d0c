using Microsoft.Extensions.Logging;

namespace Inference.Server.Tests.Support;

/// <summary>Server logs appended to the file INFERENCE_TEST_LOGS names, for debugging a failing wire test.</summary>
internal sealed class ProgressLoggerProvider : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ProgressLogger(categoryName);

    public void Dispose()
    {
    }

    private sealed class ProgressLogger(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            File.AppendAllText(Environment.GetEnvironmentVariable("INFERENCE_TEST_LOGS")!, $"[{logLevel}] {category}: {formatter(state, exception)} {exception}\n");
    }
}
