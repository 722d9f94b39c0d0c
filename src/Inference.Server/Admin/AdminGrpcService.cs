using FluentValidation;
using Grpc.Core;
using Inference.Access.Keys;
using Inference.Contracts.V1;
using Inference.Server.Auth;
using Inference.Server.Errors;
using Inference.Server.Validation;
using StoredKey = Inference.Access.Keys.ApiKey;
using WireKey = Inference.Contracts.V1.ApiKey;

namespace Inference.Server.Admin;

/// <summary>
/// The admin API: API keys created, listed and revoked over gRPC, gRPC-Web and REST (<c>/v1/admin/keys</c>), by admin
/// keys only. The secret of a new key is in the create response and nowhere else.
/// </summary>
internal sealed class AdminGrpcService(ApiKeyAuthenticator authenticator, IValidator<CreateApiKeyRequest> validator)
    : AdminService.AdminServiceBase
{
    public override Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        var store = AdminStore(context);
        RequestValidation.ThrowIfInvalid(validator, request);
        var created = store.Create(new ApiKeySpec
        {
            Name = request.Name,
            AllowedModels = [.. request.AllowedModels],
            RequestsPerMinute = request.HasRequestsPerMinute ? request.RequestsPerMinute : null,
            TokensPerMinute = request.HasTokensPerMinute ? request.TokensPerMinute : null,
            MaxConcurrency = request.HasMaxConcurrency ? request.MaxConcurrency : null,
            ExpiresAt = request.HasExpiresAt ? DateTimeOffset.FromUnixTimeSeconds(request.ExpiresAt) : null,
            IsAdmin = request.Admin,
        });
        return Task.FromResult(new CreateApiKeyResponse { ApiKey = ToWire(created.Key), Secret = created.RawKey });
    }

    public override Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        var response = new ListApiKeysResponse { Object = "list" };
        foreach (var key in AdminStore(context).List())
        {
            response.Data.Add(ToWire(key));
        }

        return Task.FromResult(response);
    }

    public override Task<RevokeApiKeyResponse> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        var store = AdminStore(context);
        if (string.IsNullOrWhiteSpace(request.Id))
        {
            throw new ApiException(ApiError.InvalidParam("id", "id is required: a key id (key_...) or display prefix (sk-xxxxxxxx)."));
        }

        switch (store.Revoke(request.Id))
        {
            case RevokeResult.NotFound:
                throw new ApiException(new ApiError(ErrorKind.NotFound, $"No API key has the id or prefix '{request.Id}'.", "id", "api_key_not_found"));
            case RevokeResult.Ambiguous:
                throw new ApiException(ApiError.InvalidParam("id", $"The prefix '{request.Id}' matches several keys; revoke by id."));
        }

        // Revoked now or before: either way the key is revoked, which is what the caller asked for.
        var key = store.Find(request.Id)!;
        return Task.FromResult(new RevokeApiKeyResponse { ApiKey = ToWire(key) });
    }

    /// <summary>The store, for an admin caller; refuses everyone else first.</summary>
    private ApiKeyStore AdminStore(ServerCallContext context)
    {
        CallerAccess.Of(context).RequireAdmin();
        return authenticator.Store ?? throw new ApiException(new ApiError(
            ErrorKind.FailedPrecondition,
            "This server has no key store (only INFERENCE_API_KEY): set Inference:Auth:KeysDatabasePath to manage keys.",
            null,
            "key_store_not_configured"));
    }

    private static WireKey ToWire(StoredKey key)
    {
        var wire = new WireKey
        {
            Id = key.Id,
            Name = key.Name,
            Prefix = key.Prefix,
            Admin = key.IsAdmin,
            CreatedAt = key.CreatedAt.ToUnixTimeSeconds(),
        };
        wire.AllowedModels.Add(key.AllowedModels);
        if (key.RequestsPerMinute is { } rpm)
        {
            wire.RequestsPerMinute = rpm;
        }

        if (key.TokensPerMinute is { } tpm)
        {
            wire.TokensPerMinute = tpm;
        }

        if (key.MaxConcurrency is { } concurrency)
        {
            wire.MaxConcurrency = concurrency;
        }

        if (key.ExpiresAt is { } expires)
        {
            wire.ExpiresAt = expires.ToUnixTimeSeconds();
        }

        if (key.RevokedAt is { } revoked)
        {
            wire.RevokedAt = revoked.ToUnixTimeSeconds();
        }

        return wire;
    }
}
