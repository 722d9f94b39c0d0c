using System.Text.Json;

namespace Inference.Engine.Tests;

/// <summary>The reference outputs in Fixtures/, parsed once per test run.</summary>
internal static class GoldenFiles
{
    private static readonly Lazy<JsonDocument> TinyChatDocument = new(() => Load("models", "tiny-chat", "golden.json"));
    private static readonly Lazy<JsonDocument> TinyEmbedDocument = new(() => Load("models", "tiny-embed", "golden.json"));

    public static JsonDocument TinyChat => TinyChatDocument.Value;

    public static JsonDocument TinyEmbed => TinyEmbedDocument.Value;

    /// <summary>A model folder as the build copies it beside the tests (the same files the server embeds).</summary>
    public static string ModelFolder(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "models", name);

    private static JsonDocument Load(params string[] parts) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine([TestContext.CurrentContext.TestDirectory, "Fixtures", .. parts])));
}
