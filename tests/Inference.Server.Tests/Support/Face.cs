namespace Inference.Server.Tests.Support;

/// <summary>The three ways in: OpenAI-shaped REST, gRPC over HTTP/2, gRPC-Web over HTTP/1.1.</summary>
public enum Face
{
    Rest,
    Grpc,
    GrpcWeb,
}

/// <summary>Where a call carries its key.</summary>
public enum KeyHeader
{
    /// <summary><c>Authorization: Bearer</c> (gRPC: <c>authorization</c> metadata).</summary>
    Bearer,

    /// <summary><c>X-API-Key</c> (gRPC: <c>x-api-key</c> metadata).</summary>
    XApiKey,
}
