using System.Text.Json;
using Inference.Engine.Onnx;

namespace Inference.Engine.Tests.Onnx;

/// <summary>The ONNX Runtime backend batches prompts of different lengths exactly as the reference did.</summary>
[TestFixture]
public sealed class LeftPaddingTests
{
    [Test]
    public void LeftPad_LaysOutABatchLikeTransformers()
    {
        var batchCase = GoldenFiles.TinyChat.RootElement.GetProperty("cases").EnumerateArray()
            .Single(c => c.GetProperty("kind").GetString() == "batch");
        var prompts = batchCase.GetProperty("cases").EnumerateArray()
            .Select(r => (IReadOnlyList<int>)Ints(r.GetProperty("prompt_ids"))).ToArray();
        int length = prompts.Max(p => p.Count);
        var ids = new long[prompts.Length * length];
        var mask = new long[ids.Length];
        var positions = new long[ids.Length];

        OnnxDecoderBackend.LeftPad(prompts, length, padTokenId: 0, ids, mask, positions);

        Assert.That(ids, Is.EqualTo(Flat(batchCase.GetProperty("input_ids"))));
        Assert.That(mask, Is.EqualTo(Flat(batchCase.GetProperty("attention_mask"))));
        Assert.That(positions, Is.EqualTo(Flat(batchCase.GetProperty("position_ids"))));
    }

    private static long[] Flat(JsonElement rows) => rows.EnumerateArray().SelectMany(Ints).Select(i => (long)i).ToArray();

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
