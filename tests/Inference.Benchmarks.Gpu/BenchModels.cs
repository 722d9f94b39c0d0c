using Inference.Engine.Cuda.Weights;
using Inference.Engine.Onnx;

namespace Inference.Benchmarks.Gpu;

/// <summary>The two models measured: tiny-chat from its folder, and a larger model of the same architecture with
/// random weights made here.</summary>
internal static class BenchModels
{
    public static (GenAiConfig Config, DecoderWeights Weights) TinyChat()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "models", "tiny-chat");
        var config = GenAiConfig.Load(Path.Combine(folder, "genai_config.json"));
        var architecture = DecoderArchitecture.Load(folder, config);
        return (config, DecoderWeights.Load(Path.Combine(folder, config.DecoderFileName), architecture));
    }

    /// <summary>24 layers, hidden 1024, intermediate 2816, 16 heads, 4 key/value heads, vocabulary 32000
    /// (about 300M parameters), unless <paramref name="small"/> asks for a quick smoke-test shape.</summary>
    public static (GenAiConfig Config, DecoderWeights Weights) Large(bool small)
    {
        var architecture = new DecoderArchitecture
        {
            ModelType = "qwen2",
            HiddenSize = small ? 128 : 1024,
            LayerCount = small ? 2 : 24,
            HeadCount = small ? 4 : 16,
            KeyValueHeadCount = small ? 2 : 4,
            HeadSize = small ? 32 : 64,
            IntermediateSize = small ? 352 : 2816,
            VocabSize = small ? 4000 : 32000,
            ContextLength = 1024,
            RmsNormEpsilon = 1e-6f,
            RopeTheta = 1e6,
            TieWordEmbeddings = false,
        };
        return (architecture.ToGenAiConfig(), DecoderWeights.Random(architecture, seed: 1));
    }
}
