namespace Inference.Access.Cli;

/// <summary>A wrong command line; its message is shown with the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);
