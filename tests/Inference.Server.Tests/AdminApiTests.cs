using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Inference.Access.Cli;
using Inference.Contracts.V1;
using Inference.Server.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Inference.Server.Tests;

/// <summary>The admin API (create, list, revoke) over gRPC and REST, revocation within a second however it is made,
/// and keys never in logs, error messages or metrics.</summary>
public sealed class AdminApiTests : ServerFixture
{
    private static readonly TimeSpan WithinASecond = TimeSpan.FromSeconds(1);

    // Revocation takes the authentication cache's TTL (one second) at most, plus one request's round trip.
    private static readonly TimeSpan RevocationBound = WithinASecond + TimeSpan.FromMilliseconds(250);

    private readonly CapturingLoggerProvider _logs = new();
    private FaceClient _faces = null!;
    private GrpcChannel _channel = null!;
    private AdminService.AdminServiceClient _admin = null!;
    private HttpClient _http = null!;

    protected override void ConfigureServer(WebApplicationBuilder builder)
    {
        builder.Logging.AddProvider(_logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
    }

    [OneTimeSetUp]
    public void CreateClients()
    {
        _faces = CreateFaceClient();
        _channel = CreateGrpcChannel();
        _admin = new AdminService.AdminServiceClient(_channel);
        _http = CreateHttpClient();
    }

    [OneTimeTearDown]
    public void DisposeClients()
    {
        _faces.Dispose();
        _channel.Dispose();
        _http.Dispose();
    }

    [Test]
    public async Task Grpc_CreateListRevoke_AndTheKeyWorksUntilRevoked()
    {
        var created = await _admin.CreateApiKeyAsync(new CreateApiKeyRequest
        {
            Name = "grpc-made",
            AllowedModels = { "tiny-chat" },
            RequestsPerMinute = 100,
            ExpiresAt = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds(),
        }).ResponseAsync.DefaultTimeout();

        Assert.That(created.Secret, Does.StartWith("sk-").And.Length.EqualTo(46));
        Assert.That(created.Secret, Does.StartWith(created.ApiKey.Prefix));
        Assert.That(created.ApiKey.AllowedModels, Is.EqualTo(new[] { "tiny-chat" }));
        Assert.That(created.ApiKey.RequestsPerMinute, Is.EqualTo(100));
        Assert.That(created.ApiKey.HasTokensPerMinute, Is.False, "unset limits stay unset");
        Assert.That((await _faces.CallAsync(Face.Grpc, FaceOperation.ListModels, created.Secret)).Ok, Is.True);

        var listed = await _admin.ListApiKeysAsync(new ListApiKeysRequest()).ResponseAsync.DefaultTimeout();
        var entry = listed.Data.Single(k => k.Id == created.ApiKey.Id);
        Assert.That(entry.Name, Is.EqualTo("grpc-made"));
        Assert.That(listed.ToString(), Does.Not.Contain(created.Secret), "the list never shows secrets");

        var revoked = await _admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.ApiKey.Id }).ResponseAsync.DefaultTimeout();
        Assert.That(revoked.ApiKey.HasRevokedAt, Is.True);
        var refused = await _faces.CallAsync(Face.Grpc, FaceOperation.ListModels, created.Secret);
        Assert.That(refused.Status, Is.EqualTo("Unauthenticated"), "revoked on this server: at once. " + refused.Detail);

        var again = await _admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.ApiKey.Id }).ResponseAsync.DefaultTimeout();
        Assert.That(again.ApiKey.RevokedAt, Is.EqualTo(revoked.ApiKey.RevokedAt), "revoking twice changes nothing");
    }

    [Test]
    public async Task Rest_CreateListRevoke_UnderV1Admin()
    {
        using var create = await _http.PostAsync(new Uri("/v1/admin/keys", UriKind.Relative), Json("""
            {"name":"rest-made","allowed_models":["tiny-chat","tiny-embed"],"tokens_per_minute":5000,"max_concurrency":2,"admin":true}
            """)).DefaultTimeout();
        var createdText = await create.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.OK), createdText);
        var created = JsonDocument.Parse(createdText).RootElement;
        var secret = created.GetProperty("secret").GetString()!;
        var key = created.GetProperty("api_key");
        var id = key.GetProperty("id").GetString()!;
        Assert.That(key.GetProperty("tokens_per_minute").GetInt32(), Is.EqualTo(5000));
        Assert.That(key.GetProperty("max_concurrency").GetInt32(), Is.EqualTo(2));
        Assert.That(key.GetProperty("admin").GetBoolean(), Is.True);
        Assert.That(key.TryGetProperty("revoked_at", out _), Is.False, "an active key has no revoked_at");
        Assert.That((await _faces.CallAsync(Face.Rest, FaceOperation.ListApiKeys, secret)).Ok, Is.True, "the new admin key is an admin");

        var list = await _http.GetStringAsync(new Uri("/v1/admin/keys", UriKind.Relative)).DefaultTimeout();
        Assert.That(list, Does.Contain(id).And.Not.Contain(secret));
        Assert.That(JsonDocument.Parse(list).RootElement.GetProperty("object").GetString(), Is.EqualTo("list"));

        using var revoke = await _http.DeleteAsync(new Uri($"/v1/admin/keys/{id}", UriKind.Relative)).DefaultTimeout();
        var revokedText = await revoke.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(revoke.StatusCode, Is.EqualTo(HttpStatusCode.OK), revokedText);
        Assert.That(JsonDocument.Parse(revokedText).RootElement.GetProperty("api_key").GetProperty("revoked_at").GetInt64(), Is.GreaterThan(0));
        Assert.That((await _faces.CallAsync(Face.Rest, FaceOperation.ListModels, secret)).Status, Is.EqualTo("Unauthenticated"));
    }

    [TestCase("""{"allowed_models":["tiny-chat"]}""", "name")]
    [TestCase("""{"name":"x","requests_per_minute":0}""", "requests_per_minute")]
    [TestCase("""{"name":"x","expires_at":1}""", "expires_at")]
    [TestCase("""{"name":"x","allowed_models":["tiny-chat","a,b"]}""", "allowed_models[1]")]
    public async Task Rest_Create_WithABadField_Is400NamingIt(string body, string param)
    {
        using var response = await _http.PostAsync(new Uri("/v1/admin/keys", UriKind.Relative), Json(body)).DefaultTimeout();
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("param").GetString(), Is.EqualTo(param), text);
    }

    [Test]
    public async Task Revoke_UnknownId_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = "key_0000000000000000" }).ResponseAsync.DefaultTimeout());
        Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.NotFound));
        using var response = await _http.DeleteAsync(new Uri("/v1/admin/keys/key_0000000000000000", UriKind.Relative)).DefaultTimeout();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task RevokedByTheCli_FromAnotherProcessesConnection_IsRefusedWithinASecond([Values] Face face)
    {
        // Another connection to the same file, as the CLI or another replica has: this server learns of the
        // revocation only by reading the database again, which its authentication cache does at least every second.
        var created = await _admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "cli-revoked-" + face }).ResponseAsync.DefaultTimeout();
        Assert.That((await _faces.CallAsync(face, FaceOperation.ListModels, created.Secret)).Ok, Is.True, "accepted and cached");

        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.That(KeyCommands.Run(["keys", "revoke", created.ApiKey.Id, "--db", KeysDatabasePath], output, error), Is.Zero, error.ToString());
        var took = await Poll.UntilAsync(
            async () => (await _faces.CallAsync(face, FaceOperation.ListModels, created.Secret)).Status == "Unauthenticated",
            RevocationBound,
            () => "the revoked key is still accepted");
        TestContext.Out.WriteLine($"{face}: revocation by another connection took effect after {took.TotalMilliseconds:F0} ms");
    }

    [Test]
    public async Task Keys_NeverAppearInLogsErrorsOrMetrics()
    {
        // Everything that handles a key: creation (admin API), use on every face, refusals, revocation.
        var created = await _admin.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "logged?", AllowedModels = { "tiny-chat" }, RequestsPerMinute = 1 })
            .ResponseAsync.DefaultTimeout();
        var wrong = "sk-" + new string('Z', 43);
        var details = new List<string>();
        foreach (var face in Enum.GetValues<Face>())
        {
            foreach (var key in new[] { created.Secret, wrong, ApiKey })
            {
                foreach (var operation in new[] { FaceOperation.ListModels, FaceOperation.Embeddings("tiny-embed"), FaceOperation.ChatStream("tiny-chat"), FaceOperation.ListApiKeys })
                {
                    details.Add((await _faces.CallAsync(face, operation, key)).Detail);
                }
            }
        }

        await _admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { Id = created.ApiKey.Id }).ResponseAsync.DefaultTimeout();
        details.Add((await _faces.CallAsync(Face.Rest, FaceOperation.ListModels, created.Secret)).Detail);
        var metrics = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).DefaultTimeout();

        var logs = _logs.Lines;
        Assert.That(logs, Is.Not.Empty, "the capture works");
        Assert.That(string.Join("\n", logs), Does.Contain(created.ApiKey.Prefix), "keys are logged by their display prefix");
        foreach (var secret in new[] { created.Secret, wrong, ApiKey })
        {
            var body = secret[11..];
            Assert.That(logs.Where(l => l.Contains(body, StringComparison.Ordinal)), Is.Empty, "a key in the logs");
            Assert.That(details.Where(d => d.Contains(body, StringComparison.Ordinal)), Is.Empty, "a key in an answer");
            Assert.That(metrics, Does.Not.Contain(body), "a key in the metrics");
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
