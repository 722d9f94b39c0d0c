using Microsoft.Extensions.Logging;

namespace Inference.Access;

/// <summary>Log messages of this library. Only key ids and display prefixes are ever logged, never keys.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Key store opened at {Path}")]
    internal static partial void StoreOpened(ILogger logger, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Key {KeyId} ({Prefix}...) created")]
    internal static partial void KeyCreated(ILogger logger, string keyId, string prefix);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Key {KeyId} ({Prefix}...) revoked")]
    internal static partial void KeyRevoked(ILogger logger, string keyId, string prefix);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "Rate limit store unavailable; admitting requests without limits (fail open)")]
    internal static partial void RedisUnavailableFailOpen(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error,
        Message = "Rate limit store unavailable; refusing requests (fail closed)")]
    internal static partial void RedisUnavailableFailClosed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "Rate limit store unavailable while giving back unused budget; it is lost to the other replicas until it refills there")]
    internal static partial void RedisGiveBackFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Rate limit store reachable again")]
    internal static partial void RedisRecovered(ILogger logger);
}
