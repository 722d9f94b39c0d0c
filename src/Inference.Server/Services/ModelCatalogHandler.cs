using Inference.Contracts.V1;
using Inference.Engine;
using Inference.Server.Auth;
using Inference.Server.Errors;

namespace Inference.Server.Services;

/// <summary>Model listing and the tokenizer endpoints.</summary>
internal sealed class ModelCatalogHandler(ModelResolver models)
{
    /// <summary>The models the caller's key may use.</summary>
    public ListModelsResponse List(CallerAccess access)
    {
        var response = new ListModelsResponse { Object = "list" };
        foreach (var info in models.Registry.Models)
        {
            if (access.AllowsModel(info))
            {
                response.Data.Add(ToWire(info));
            }
        }

        return response;
    }

    public Model Get(GetModelRequest request, CallerAccess access)
    {
        access.RequireModel(request.Model);
        return ToWire(models.Info(request.Model));
    }

    public TokenizeResponse Tokenize(TokenizeRequest request, CallerAccess access)
    {
        access.RequireModel(RequireModel(request.Model));
        var model = models.Chat(request.Model);
        string text;
        if (request.Messages.Count > 0)
        {
            if (request.Prompt.Length > 0)
            {
                throw new ApiException(ApiError.InvalidParam("prompt", "Give either prompt or messages, not both."));
            }

            text = model.RenderChat(
                ChatCompletionHandler.ToEngine(request.Messages), null, !request.HasAddGenerationPrompt || request.AddGenerationPrompt);
        }
        else
        {
            text = request.Prompt;
        }

        var tokens = model.Tokenize(text);
        var response = new TokenizeResponse { Count = tokens.Count, MaxModelLen = model.Info.ContextLength, Prompt = text };
        response.Tokens.Add(tokens);
        return response;
    }

    public DetokenizeResponse Detokenize(DetokenizeRequest request, CallerAccess access)
    {
        access.RequireModel(RequireModel(request.Model));
        var model = models.Chat(request.Model);
        return new DetokenizeResponse { Prompt = model.Detokenize(request.Tokens) };
    }

    private static string RequireModel(string model) =>
        model.Length > 0 ? model : throw new ApiException(ApiError.InvalidParam("model", "model is required."));

    private static Model ToWire(ModelInfo info) => new()
    {
        Id = info.Id,
        Object = "model",
        Created = info.CreatedUnixSeconds,
        OwnedBy = info.OwnedBy,
        Kind = info.Kind == ModelKind.Embedding ? "embedding" : "chat",
        MaxModelLen = info.ContextLength,
    };
}
