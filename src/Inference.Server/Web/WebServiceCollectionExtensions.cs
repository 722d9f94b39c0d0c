using Inference.Server.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the playground and API reference pages.</summary>
public static class WebServiceCollectionExtensions
{
    /// <summary>Binds <see cref="WebOptions"/> and the folder the pages are served from.</summary>
    public static IServiceCollection AddInferenceWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebOptions>().Bind(configuration.GetSection(WebOptions.Section));
        services.TryAddSingleton<WebAssets>();
        return services;
    }
}
