using System.Globalization;
using Grpc.Core;
using Inference.Access.Keys;
using Inference.Access.Limits;
using Inference.Engine;
using Inference.Server.Errors;
using Microsoft.AspNetCore.Http;

namespace Inference.Server.Auth;

/// <summary>
/// What the caller of one request may do: its key's models, admin scope and rate limits. Made by
/// <see cref="ApiKeyAuthenticator"/> for every face (the gRPC interceptor, the SSE adapter) and consulted by the
/// handlers, which are the ones that know the model and the token cost. Refusals are <see cref="ApiException"/>s,
/// so every face reports them alike.
/// </summary>
internal sealed class CallerAccess
{
    // Keys without limits share this lease: nothing to count, nothing to release.
    private static readonly RateLimitLease NoLimits = new(null, RateLimitRefusal.None, null, default, default);

    private readonly IRateLimitBackend? _limits;
    private readonly IModelRegistry? _registry;
    private readonly HttpResponse? _response;

    public CallerAccess(ApiKey? key, IRateLimitBackend? limits, IModelRegistry? registry, HttpResponse? response)
    {
        Key = key;
        _limits = limits;
        _registry = registry;
        _response = response;
    }

    /// <summary>Authentication is off: every right, no limits.</summary>
    public static CallerAccess Unrestricted { get; } = new(null, null, null, null);

    /// <summary>The caller's key; null when authentication is off.</summary>
    public ApiKey? Key { get; }

    /// <summary>The access <see cref="Services.CallInterceptor"/> found for a gRPC call (every face that reaches the service).</summary>
    public static CallerAccess Of(ServerCallContext context) =>
        context.GetHttpContext().Features.Get<CallerAccess>()
        ?? throw new InvalidOperationException("No caller access on this call: is CallInterceptor registered for the service?");

    /// <summary>Whether the key may use the model, by the name asked for, its id or any alias.</summary>
    public bool AllowsModel(string model)
    {
        if (Key is null || Key.AllowedModels.Count == 0 || Key.AllowsModel(model))
        {
            return true;
        }

        return _registry is not null && _registry.TryGetInfo(model, out var info) && AllowsModel(info);
    }

    /// <summary>Whether the key may use the model (its id or any alias is on the key's list).</summary>
    public bool AllowsModel(ModelInfo info)
    {
        if (Key is null || Key.AllowedModels.Count == 0 || Key.AllowsModel(info.Id))
        {
            return true;
        }

        foreach (var alias in info.Aliases)
        {
            if (Key.AllowsModel(alias))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Refuses a model outside the key's list with 403 / PERMISSION_DENIED. A model that does not exist
    /// is refused the same way, so a restricted key learns nothing about the models it may not use.</summary>
    public void RequireModel(string model)
    {
        if (!AllowsModel(model))
        {
            throw new ApiException(new ApiError(
                ErrorKind.PermissionDenied, $"This API key may not use the model '{model}'.", "model", "permission_denied"));
        }
    }

    /// <summary>Refuses a key without the admin scope with 403 / PERMISSION_DENIED.</summary>
    public void RequireAdmin()
    {
        if (Key is { IsAdmin: false })
        {
            throw new ApiException(new ApiError(
                ErrorKind.PermissionDenied, "This API key may not call the admin API: it needs an admin key.", null, "permission_denied"));
        }
    }

    /// <summary>
    /// Admits the request against the key's limits: one request and <paramref name="tokens"/> tokens (prompt plus
    /// requested completion), and a concurrency slot until the lease is disposed. Writes the <c>x-ratelimit-*</c>
    /// headers, and refuses with 429 / RESOURCE_EXHAUSTED (retry time included) when a limit is reached. A key
    /// without limits costs one check and no allocation.
    /// </summary>
    public ValueTask<RateLimitLease> AdmitAsync(int tokens, CancellationToken cancellationToken)
    {
        if (Key is null || _limits is null || Key.Limits.IsUnlimited)
        {
            return new ValueTask<RateLimitLease>(NoLimits);
        }

        return AdmitLimitedAsync(Key, _limits, tokens, cancellationToken);
    }

    private async ValueTask<RateLimitLease> AdmitLimitedAsync(ApiKey key, IRateLimitBackend limits, int tokens, CancellationToken cancellationToken)
    {
        var lease = await limits.AdmitAsync(key.Id, key.Limits, tokens, cancellationToken).ConfigureAwait(false);
        if (_response is { HasStarted: false } response)
        {
            RateLimitHeaders.Apply(lease, response.Headers, static (headers, name, value) => headers[name] = value);
        }

        if (!lease.IsAllowed)
        {
            throw new ApiException(Refusal(lease, key, tokens));
        }

        return lease;
    }

    private static ApiError Refusal(RateLimitLease lease, ApiKey key, int tokens)
    {
        var retry = lease.RetryAfter is { } after
            ? string.Create(CultureInfo.InvariantCulture, $" Please try again in {RateLimitHeaders.FormatDuration(after)}.")
            : "";
        return lease.RefusedBy switch
        {
            RateLimitRefusal.Requests => RateLimited(
                $"Rate limit reached for requests per minute: limit {key.RequestsPerMinute}.{retry}", lease.RetryAfter),
            RateLimitRefusal.Tokens when lease.RetryAfter is null => RateLimited(
                $"Request too large: it needs {tokens} tokens (prompt plus max_tokens), more than this key's limit of {key.TokensPerMinute} tokens per minute. Ask for fewer tokens.",
                null),
            RateLimitRefusal.Tokens => RateLimited(
                $"Rate limit reached for tokens per minute: limit {key.TokensPerMinute}, requested {tokens}.{retry}", lease.RetryAfter),
            RateLimitRefusal.Concurrency => RateLimited(
                $"Too many concurrent requests for this API key: limit {key.MaxConcurrency}.{retry}", lease.RetryAfter),
            // Fail closed: the shared budget cannot be checked, so nothing is admitted; a server-side condition.
            _ => new ApiError(ErrorKind.Overloaded, "Rate limits cannot be checked right now (the limit store is unreachable); retry later.",
                null, "rate_limits_unavailable", lease.RetryAfter ?? TimeSpan.FromSeconds(1)),
        };
    }

    private static ApiError RateLimited(string message, TimeSpan? retryAfter) =>
        new(ErrorKind.RateLimited, message, null, "rate_limit_exceeded", retryAfter);
}
