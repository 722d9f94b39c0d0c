using Microsoft.Extensions.Logging;

namespace Inference.Server.Errors;

/// <summary>Logs errors once, where they are translated: refusals briefly, failures with their exception (the
/// only place internal exception text goes).</summary>
internal static partial class ErrorLog
{
    public static void Report(ILogger logger, string operation, ApiError error, Exception exception)
    {
        switch (error.Kind)
        {
            case ErrorKind.Internal:
                Failed(logger, operation, exception);
                break;
            case ErrorKind.Cancelled:
                Cancelled(logger, operation);
                break;
            default:
                Refused(logger, operation, error.Kind, ErrorCodes.CodeOf(error), error.Param);
                break;
        }
    }

    [LoggerMessage(1, LogLevel.Error, "{Operation} failed")]
    private static partial void Failed(ILogger logger, string operation, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "{Operation} refused: {Kind} {Code} (param {Param})")]
    private static partial void Refused(ILogger logger, string operation, ErrorKind kind, string code, string? param);

    [LoggerMessage(3, LogLevel.Debug, "{Operation} cancelled by the caller")]
    private static partial void Cancelled(ILogger logger, string operation);
}
