using Inference.Access.Keys;
using Inference.Server.Tests.Support;

namespace Inference.Server.Tests;

/// <summary>
/// Keys on every face: REST (Bearer and X-API-Key), gRPC (<c>authorization</c> and <c>x-api-key</c> metadata) and
/// gRPC-Web refuse a missing, wrong, revoked or expired key as unauthenticated, a model outside the key's list and an
/// admin call with a non-admin key as permission denied, and let health, reflection and /metrics through.
/// </summary>
public sealed class AuthTests : ServerFixture
{
    private FaceClient _faces = null!;
    private string _revoked = null!;
    private string _expired = null!;
    private string _chatOnly = null!;
    private string _user = null!;

    [OneTimeSetUp]
    public void CreateKeys()
    {
        _faces = CreateFaceClient();
        var revoked = KeyStore.Create(new ApiKeySpec { Name = "revoked" });
        Assert.That(KeyStore.Revoke(revoked.Key.Id), Is.EqualTo(RevokeResult.Revoked));
        _revoked = revoked.RawKey;
        _expired = KeyStore.Create(new ApiKeySpec { Name = "expired", ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }).RawKey;
        _chatOnly = KeyStore.Create(new ApiKeySpec { Name = "chat-only", AllowedModels = ["tiny-chat"] }).RawKey;
        _user = KeyStore.Create(new ApiKeySpec { Name = "user" }).RawKey;
    }

    [OneTimeTearDown]
    public void DisposeClients() => _faces.Dispose();

    private string? KeyOf(string which) => which switch
    {
        "none" => null,
        // Shaped like a real key, so it is hashed and looked up, not refused for its form.
        "wrong" => "sk-" + new string('A', 43),
        "revoked" => _revoked,
        "expired" => _expired,
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    [Test]
    public async Task BadKey_IsUnauthenticated_OnEveryFace(
        [Values] Face face, [Values("none", "wrong", "revoked", "expired")] string which, [Values] KeyHeader header)
    {
        var outcome = await _faces.CallAsync(face, FaceOperation.ListModels, KeyOf(which), header);

        Assert.That(outcome.Status, Is.EqualTo("Unauthenticated"), outcome.Detail);
        Assert.That(outcome.Code, Is.EqualTo("invalid_api_key"), outcome.Detail);
        if (face == Face.Rest)
        {
            Assert.That(outcome.RestType, Is.EqualTo("authentication_error"), outcome.Detail);
        }
    }

    [Test]
    public async Task BadKey_IsUnauthenticated_OnStreamsToo([Values] Face face, [Values("none", "wrong", "revoked", "expired")] string which)
    {
        var outcome = await _faces.CallAsync(face, FaceOperation.ChatStream("tiny-chat"), KeyOf(which));
        Assert.That(outcome.Status, Is.EqualTo("Unauthenticated"), outcome.Detail);
        Assert.That(outcome.Code, Is.EqualTo("invalid_api_key"), outcome.Detail);
    }

    [Test]
    public async Task GoodKey_IsAccepted_InEitherHeader([Values] Face face, [Values] KeyHeader header)
    {
        var outcome = await _faces.CallAsync(face, FaceOperation.ListModels, _user, header);
        Assert.That(outcome.Ok, Is.True, outcome.Detail);
    }

    [Test]
    public async Task ModelOutsideTheKeysList_IsPermissionDenied([Values] Face face)
    {
        foreach (var operation in new[]
        {
            FaceOperation.Embeddings("tiny-embed"),
            FaceOperation.GetModel("tiny-embed"),
            FaceOperation.Chat("tiny-embed"),
            FaceOperation.ChatStream("tiny-embed"),
            // A model that does not exist is refused the same way: a restricted key learns nothing of other models.
            FaceOperation.Chat("no-such-model"),
        })
        {
            var outcome = await _faces.CallAsync(face, operation, _chatOnly);
            Assert.That(outcome.Status, Is.EqualTo("PermissionDenied"), $"{operation}: {outcome.Detail}");
            Assert.That(outcome.Code, Is.EqualTo("permission_denied"), $"{operation}: {outcome.Detail}");
        }

        var allowed = await _faces.CallAsync(face, FaceOperation.Chat("tiny-chat"), _chatOnly);
        Assert.That(allowed.Ok, Is.True, "the model on the list: " + allowed.Detail);
    }

    [Test]
    public async Task ListModels_ShowsOnlyTheKeysModels()
    {
        using var http = CreateHttpClient(_chatOnly);
        var restricted = await http.GetStringAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout();
        using var admin = CreateHttpClient();
        var everything = await admin.GetStringAsync(new Uri("/v1/models", UriKind.Relative)).DefaultTimeout();

        Assert.That(restricted, Does.Contain("\"tiny-chat\"").And.Not.Contain("tiny-embed"));
        Assert.That(everything, Does.Contain("\"tiny-chat\"").And.Contain("\"tiny-embed\""));
    }

    [Test]
    public async Task AdminCall_WithANonAdminKey_IsPermissionDenied([Values] Face face)
    {
        var outcome = await _faces.CallAsync(face, FaceOperation.ListApiKeys, _user);
        Assert.That(outcome.Status, Is.EqualTo("PermissionDenied"), outcome.Detail);
        Assert.That(outcome.Code, Is.EqualTo("permission_denied"), outcome.Detail);

        var admin = await _faces.CallAsync(face, FaceOperation.ListApiKeys, ApiKey);
        Assert.That(admin.Ok, Is.True, "with the admin key: " + admin.Detail);
    }

    [Test]
    public async Task HealthMetricsAndReflection_NeedNoKey()
    {
        using var http = CreateHttpClient(key: null);
        Assert.That((await http.GetAsync(new Uri("/health", UriKind.Relative)).DefaultTimeout()).IsSuccessStatusCode, Is.True, "/health");
        Assert.That((await http.GetAsync(new Uri("/metrics", UriKind.Relative)).DefaultTimeout()).IsSuccessStatusCode, Is.True, "/metrics");

        using var channel = CreateGrpcChannel(key: null);
        var health = await new Grpc.Health.V1.Health.HealthClient(channel)
            .CheckAsync(new Grpc.Health.V1.HealthCheckRequest()).ResponseAsync.DefaultTimeout();
        Assert.That(health.Status, Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving));

        using var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        Assert.That(await reflection.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout(), Is.True);
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await reflection.RequestStream.CompleteAsync().DefaultTimeout();
        Assert.That(services, Does.Contain("inference.v1.InferenceService").And.Contain("inference.v1.AdminService"));
    }

    [Test]
    public async Task KeyThatExpiresWhileInUse_IsRefusedFromItsExpiry([Values] Face face)
    {
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(1);
        var key = KeyStore.Create(new ApiKeySpec { Name = "short-lived", ExpiresAt = expiresAt }).RawKey;
        Assert.That((await _faces.CallAsync(face, FaceOperation.ListModels, key)).Ok, Is.True, "before expiry");

        await Poll.UntilAsync(() => DateTimeOffset.UtcNow >= expiresAt, TimeSpan.FromSeconds(5), () => "clock past expiry");
        var outcome = await _faces.CallAsync(face, FaceOperation.ListModels, key);
        Assert.That(outcome.Status, Is.EqualTo("Unauthenticated"), outcome.Detail);
    }
}
