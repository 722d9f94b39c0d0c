using Inference.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Cross-origin gRPC-Web: a browser page served from another origin may call the service only when its origin is
/// listed under <c>Inference:Cors:AllowedOrigins</c>. None are listed by default, so browsers stay same-origin: opening
/// the service to other sites' pages is a deliberate act, like binding to a public address.
/// </summary>
public static class CorsServiceCollectionExtensions
{
    /// <summary>The policy the service's endpoints require (see <see cref="RequireInferenceCors{TBuilder}"/>).</summary>
    public const string PolicyName = "inference-grpc-web";

    /// <summary>The gRPC-Web response headers a page must be able to read. Browsers hide every response header that is
    /// not exposed, and connect-web reads the status from them when a call fails before any message.</summary>
    internal static readonly string[] ExposedHeaders =
        ["Grpc-Status", "Grpc-Message", "Grpc-Encoding", "Grpc-Accept-Encoding", "Grpc-Status-Details-Bin"];

    /// <summary>Registers the CORS policy built from validated <see cref="InferenceCorsOptions"/>.</summary>
    public static IServiceCollection AddInferenceCors(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InferenceCorsOptions>()
            .Bind(configuration.GetSection(InferenceCorsOptions.Section))
            .Validate(o => o.AllowedOrigins.All(InferenceCorsOptions.IsValidOrigin),
                "Inference:Cors:AllowedOrigins must hold origins such as http://localhost:5173 (scheme, host, optional port; no path) or *.")
            .ValidateOnStart();
        services.AddCors();
        // UseInferenceCors runs the CORS middleware only for requests with an Origin header; without this, routing
        // would refuse the others' endpoints for carrying CORS metadata that no middleware handled.
        services.Configure<RouteOptions>(routing => routing.SuppressCheckForUnhandledSecurityMetadata = true);
        services.AddOptions<CorsOptions>().Configure<IOptions<InferenceCorsOptions>>((cors, inference) =>
            cors.AddPolicy(PolicyName, policy => Configure(policy, inference.Value.AllowedOrigins)));
        return services;
    }

    /// <summary>Applies the policy to endpoints (the service's, on every HTTP/1.1 face). Needs <c>UseInferenceCors()</c>
    /// between routing and the endpoints.</summary>
    public static TBuilder RequireInferenceCors<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.RequireCors(PolicyName);

    private static void Configure(CorsPolicyBuilder policy, IEnumerable<string> allowedOrigins)
    {
        var origins = allowedOrigins.Select(o => o.Trim().TrimEnd('/')).ToArray();
        if (origins.Contains("*"))
        {
            policy.AllowAnyOrigin();
        }
        else
        {
            // An empty list allows no origin: the policy then refuses every cross-origin request.
            policy.WithOrigins(origins);
        }

        // gRPC-Web clients send their own headers (x-grpc-web, x-user-agent, grpc-timeout, and later authorization);
        // the endpoints themselves restrict the methods.
        policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders(ExposedHeaders);
    }
}
