using FluentValidation;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Inference.Contracts.V1;
using Inference.Server.Admin;
using Inference.Server.Auth;
using Inference.Server.Models;
using Inference.Server.Services;
using Inference.Server.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the inference service, its handlers and the gRPC machinery around it.</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>gRPC (with the key and error interceptor), JSON transcoding, gRPC-Web, reflection, health, and the handlers
    /// every face shares.</summary>
    public static IServiceCollection AddInferenceService(this IServiceCollection services)
    {
        // Keys and errors for the two services; health and reflection stay open.
        var grpc = services.AddGrpc();
        grpc.AddServiceOptions<InferenceGrpcService>(options => options.Interceptors.Add<CallInterceptor>());
        grpc.AddServiceOptions<AdminGrpcService>(options => options.Interceptors.Add<CallInterceptor>());
        grpc.AddJsonTranscoding(options =>
                // Transcoding writes a status's details into its JSON error body and must know their types; the
                // OpenAI error layer then replaces that body, but a failure to write it would turn every error into 500.
                options.TypeRegistry = TypeRegistry.FromMessages(ErrorInfo.Descriptor, BadRequest.Descriptor, RetryInfo.Descriptor));
        services.AddGrpcReflection();
        // Without the cache every check runs the health checks, so a fresh server answers Serving at once.
        services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false).AddCheck<ModelsHealthCheck>("models");
        // Singletons: otherwise grpc-dotnet builds the interceptor and the service for every call.
        services.TryAddSingleton<CallInterceptor>();
        services.TryAddSingleton<InferenceGrpcService>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelResolver>();
        services.TryAddSingleton<ChatCompletionHandler>();
        services.TryAddSingleton<TextCompletionHandler>();
        services.TryAddSingleton<EmbeddingsHandler>();
        services.TryAddSingleton<ModelCatalogHandler>();
        services.TryAddSingleton<IValidator<CreateApiKeyRequest>, CreateApiKeyRequestValidator>();
        return services;
    }

    /// <summary>FluentValidation validators for every request, and their limits.</summary>
    public static IServiceCollection AddInferenceValidation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ValidationOptions>()
            .Bind(configuration.GetSection(ValidationOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IValidator<ChatCompleteRequest>, ChatCompleteRequestValidator>();
        services.TryAddSingleton<IValidator<CompleteRequest>, CompleteRequestValidator>();
        services.TryAddSingleton<IValidator<GetEmbeddingsRequest>, GetEmbeddingsRequestValidator>();
        return services;
    }
}
