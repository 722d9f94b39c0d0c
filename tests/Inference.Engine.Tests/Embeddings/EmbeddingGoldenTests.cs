using System.Numerics.Tensors;
using System.Text.Json;
using Inference.Engine.Models;

namespace Inference.Engine.Tests.Embeddings;

/// <summary>tiny-embed against transformers: every vector within 1e-4, alone and batched with padding.</summary>
[TestFixture]
public sealed class EmbeddingGoldenTests
{
    private const float Tolerance = 1e-4f;
    private ModelRegistry _registry = null!;
    private IEmbeddingModel _model = null!;

    private static JsonElement[] Cases => GoldenFiles.TinyEmbed.RootElement.GetProperty("cases").EnumerateArray().ToArray();

    [OneTimeSetUp]
    public void Load()
    {
        _registry = ModelRegistry.Load([new ModelDefinition { Id = "tiny-embed", Path = GoldenFiles.ModelFolder("tiny-embed") }]);
        Assert.That(_registry.TryGetEmbeddingModel("tiny-embed", out var model), Is.True);
        _model = model!;
    }

    [OneTimeTearDown]
    public void Unload() => _registry.Dispose();

    [Test]
    public async Task EachTextAlone_MatchesTheReferenceVector()
    {
        foreach (var golden in Cases)
        {
            string text = golden.GetProperty("text").GetString()!;
            var result = await _model.EmbedAsync([new EmbeddingInput { Text = text }], CancellationToken.None);
            AssertClose(result.Vectors[0], golden, text);
            Assert.That(result.PromptTokens, Is.EqualTo(golden.GetProperty("input_ids").GetArrayLength()), text);
        }
    }

    [Test]
    public async Task AllTextsInOnePaddedBatch_MatchTheReferenceVectors()
    {
        var inputs = Cases.Select(c => new EmbeddingInput { Text = c.GetProperty("text").GetString() }).ToArray();
        var result = await _model.EmbedAsync(inputs, CancellationToken.None);
        for (int i = 0; i < Cases.Length; i++)
        {
            AssertClose(result.Vectors[i], Cases[i], Cases[i].GetProperty("text").GetString()!);
        }
    }

    [Test]
    public async Task PairCosines_MatchTheReference()
    {
        var inputs = Cases.Select(c => new EmbeddingInput { Text = c.GetProperty("text").GetString() }).ToArray();
        var vectors = (await _model.EmbedAsync(inputs, CancellationToken.None)).Vectors;
        foreach (var pair in GoldenFiles.TinyEmbed.RootElement.GetProperty("pairs").EnumerateArray())
        {
            float cosine = TensorPrimitives.CosineSimilarity(vectors[pair.GetProperty("a").GetInt32()], vectors[pair.GetProperty("b").GetInt32()]);
            Assert.That(cosine, Is.EqualTo(pair.GetProperty("cosine").GetSingle()).Within(Tolerance));
        }
    }

    [Test]
    public async Task InputLongerThanTheModel_IsRefusedNotTruncated()
    {
        string text = string.Join(' ', Enumerable.Repeat("capital", _model.MaxInputTokens));
        var error = await Assert.ThrowsAsync<ContextLengthExceededException>(() => _model.EmbedAsync([new EmbeddingInput { Text = text }], CancellationToken.None));
        Assert.That(error!.Param, Is.EqualTo("input"));
        Assert.That(error.Message, Does.Contain(_model.MaxInputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static void AssertClose(float[] actual, JsonElement golden, string text)
    {
        var expected = golden.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.That(actual, Has.Length.EqualTo(expected.Length), text);
        for (int d = 0; d < expected.Length; d++)
        {
            Assert.That(actual[d], Is.EqualTo(expected[d]).Within(Tolerance), $"{text}: dimension {d}");
        }
    }
}
