using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Inference.Server.OpenApi;

/// <summary>
/// Finds the REST routes in the contract the way JSON transcoding does: every RPC with a <c>google.api.http</c>
/// rule (and its <c>additional_bindings</c>), in every service of every file, so a service added to the contract
/// appears without any change here.
/// </summary>
internal static partial class HttpRoutes
{
    public static IReadOnlyList<HttpRoute> Discover(IEnumerable<FileDescriptor> files)
    {
        var routes = new List<HttpRoute>();
        foreach (var service in files.SelectMany(f => f.Services))
        {
            foreach (var method in service.Methods)
            {
                if (RuleOf(method) is not { } rule)
                {
                    continue;
                }

                var stream = StreamingTwinOf(service, method);
                foreach (var binding in rule.AdditionalBindings.Prepend(rule))
                {
                    if (Route(binding, method, stream) is { } route)
                    {
                        routes.Add(route);
                    }
                }
            }
        }

        return routes;
    }

    public static HttpRule? RuleOf(MethodDescriptor method) => method.GetOptions()?.GetExtension(AnnotationsExtensions.Http);

    /// <summary>
    /// OpenAI's REST API answers <c>"stream": true</c> on the same route with server-sent events; the contract says
    /// so by giving the unary RPC a server-streaming twin that takes the same request and has no route of its own
    /// (the SSE adapter serves it).
    /// </summary>
    private static MethodDescriptor? StreamingTwinOf(ServiceDescriptor service, MethodDescriptor method)
    {
        if (method.IsServerStreaming || method.IsClientStreaming)
        {
            return null;
        }

        return service.Methods.FirstOrDefault(m =>
            m.IsServerStreaming && !m.IsClientStreaming && m.InputType == method.InputType && RuleOf(m) is null);
    }

    private static HttpRoute? Route(HttpRule rule, MethodDescriptor method, MethodDescriptor? stream)
    {
        var (verb, template) = rule.PatternCase switch
        {
            HttpRule.PatternOneofCase.Get => ("GET", rule.Get),
            HttpRule.PatternOneofCase.Put => ("PUT", rule.Put),
            HttpRule.PatternOneofCase.Post => ("POST", rule.Post),
            HttpRule.PatternOneofCase.Delete => ("DELETE", rule.Delete),
            HttpRule.PatternOneofCase.Patch => ("PATCH", rule.Patch),
            HttpRule.PatternOneofCase.Custom => (rule.Custom.Kind.ToUpperInvariant(), rule.Custom.Path),
            _ => (string.Empty, string.Empty),
        };
        if (verb.Length == 0)
        {
            return null;
        }

        // {name=projects/*} binds the field "name" to a segment pattern; OpenAPI only names the variable.
        var fields = Variable().Matches(template).Select(m => m.Groups["field"].Value).ToArray();
        var path = Variable().Replace(template, m => "{" + m.Groups["field"].Value + "}");
        return new HttpRoute(verb, path, fields, rule.Body, rule.ResponseBody, method,
            verb == "POST" && rule.Body == "*" ? stream : null);
    }

    [GeneratedRegex(@"\{(?<field>[^}=]+)(=[^}]*)?\}")]
    private static partial Regex Variable();
}
