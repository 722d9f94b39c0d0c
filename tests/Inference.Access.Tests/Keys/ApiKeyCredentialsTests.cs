using Inference.Access.Keys;

namespace Inference.Access.Tests.Keys;

public sealed class ApiKeyCredentialsTests
{
    [TestCase("Bearer sk-abc", null, "sk-abc")]
    [TestCase("bearer  sk-abc ", null, "sk-abc")]
    [TestCase(null, "sk-xyz", "sk-xyz")]
    [TestCase("Bearer sk-abc", "sk-xyz", "sk-abc")]
    [TestCase("Basic dXNlcjpwYXNz", "sk-xyz", "sk-xyz")]
    [TestCase("Basic dXNlcjpwYXNz", null, "")]
    [TestCase(null, null, "")]
    public void FromHeaders_PrefersBearer_ThenXApiKey(string? authorization, string? apiKey, string expected) =>
        Assert.That(ApiKeyCredentials.FromHeaders(authorization, apiKey).ToString(), Is.EqualTo(expected));
}
