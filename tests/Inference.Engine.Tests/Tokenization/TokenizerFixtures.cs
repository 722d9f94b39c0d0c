using System.Text.Json;
using System.Text.Json.Nodes;
using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>Loads the model folders and golden files once for all tokenizer tests.</summary>
internal static class TokenizerFixtures
{
    private static readonly Lazy<ByteLevelBpeTokenizer> ChatTokenizerLazy =
        new(() => ByteLevelBpeTokenizer.FromTokenizerJson(Path.Combine(ChatFolder, "tokenizer.json")));

    private static readonly Lazy<BertWordPieceTokenizer> EmbedTokenizerLazy =
        new(() => BertWordPieceTokenizer.FromModelFolder(EmbedFolder));

    private static readonly Lazy<JsonNode> ChatGoldenLazy = new(() => LoadGolden("tiny-chat"));
    private static readonly Lazy<JsonNode> EmbedGoldenLazy = new(() => LoadGolden("tiny-embed"));

    // TestCaseSource runs before TestContext has a test, so the output folder comes from the assembly location.
    public static string OutputFolder => Path.GetDirectoryName(typeof(TokenizerFixtures).Assembly.Location) ?? TestContext.CurrentContext.TestDirectory;

    public static string ChatFolder => Path.Combine(OutputFolder, "models", "tiny-chat");

    public static string EmbedFolder => Path.Combine(OutputFolder, "models", "tiny-embed");

    public static ByteLevelBpeTokenizer ChatTokenizer => ChatTokenizerLazy.Value;

    public static BertWordPieceTokenizer EmbedTokenizer => EmbedTokenizerLazy.Value;

    public static JsonNode ChatGolden => ChatGoldenLazy.Value;

    public static JsonNode EmbedGolden => EmbedGoldenLazy.Value;

    public static int[] Ids(JsonNode? node) => node!.AsArray().Select(n => n!.GetValue<int>()).ToArray();

    /// <summary>A short ASCII label for a text, so test names stay readable.</summary>
    public static string Label(string text)
    {
        var chars = text.Take(24).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        return chars.Length == 0 ? "empty" : new string(chars);
    }

    private static JsonNode LoadGolden(string model) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(OutputFolder, "Fixtures", "models", model, "golden.json")),
            documentOptions: new JsonDocumentOptions { MaxDepth = 256 })!;
}
