using Google.Protobuf.Reflection;

namespace Inference.Server.OpenApi;

/// <summary>One REST route as JSON transcoding serves it: a <c>google.api.http</c> binding of an RPC.</summary>
/// <param name="Verb">The HTTP method, upper case (<c>GET</c>, <c>POST</c>, ...).</param>
/// <param name="Path">The path in OpenAPI's template syntax (<c>/v1/models/{model}</c>).</param>
/// <param name="PathFields">The request fields bound from path variables, in template order.</param>
/// <param name="Body">The rule's <c>body</c>: <c>*</c> (the whole request), a field name, or empty (no body).</param>
/// <param name="ResponseBody">The rule's <c>response_body</c>: empty for the whole response message.</param>
/// <param name="Method">The unary RPC behind the route.</param>
/// <param name="Stream">The server-streaming twin that serves the same route as server-sent events when the
/// request says <c>"stream": true</c>; null when the route does not stream.</param>
internal sealed record HttpRoute(
    string Verb,
    string Path,
    IReadOnlyList<string> PathFields,
    string Body,
    string ResponseBody,
    MethodDescriptor Method,
    MethodDescriptor? Stream);
