using System.Text.Json.Nodes;
using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Engine.Tests.Models;

[TestFixture]
public sealed class ModelRegistryTests
{
    private string _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("inference-registry-").FullName;

    [TearDown]
    public void DeleteScratch() => Directory.Delete(_scratch, recursive: true);

    private string CopyModel(string name)
    {
        string target = Path.Combine(_scratch, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(GoldenFiles.ModelFolder(name)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }

    [Test]
    public void BothDefaults_LoadWithDetectedKindsAndAliases()
    {
        using var registry = ModelRegistry.Load(
        [
            new ModelDefinition { Id = "tiny-chat", Path = GoldenFiles.ModelFolder("tiny-chat"), Aliases = ["chat"] },
            new ModelDefinition { Id = "tiny-embed", Path = GoldenFiles.ModelFolder("tiny-embed") },
        ]);

        Assert.That(registry.Models.Select(m => (m.Id, m.Kind)), Is.EqualTo(new[] { ("tiny-chat", ModelKind.Chat), ("tiny-embed", ModelKind.Embedding) }));
        Assert.That(registry.TryGetChatModel("chat", out var chat), Is.True);
        Assert.That(chat!.Info.ContextLength, Is.EqualTo(512));
        Assert.That(registry.TryGetChatModel("tiny-embed", out _), Is.False, "an embedding model is not a chat model");
        Assert.That(registry.TryGetInfo("nope", out _), Is.False);
    }

    [Test]
    public void MissingConfigKey_StopsLoadingWithTheFileAndKeyNamed()
    {
        string folder = CopyModel("tiny-chat");
        string configPath = Path.Combine(folder, "genai_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["model"]!["decoder"]!.AsObject().Remove("num_hidden_layers");
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<ModelLoadException>(() => ModelRegistry.Load([new ModelDefinition { Id = "broken", Path = folder }]));
        Assert.That(error!.Message, Does.Contain("genai_config.json").And.Contain("num_hidden_layers"));
    }

    [Test]
    public void WrongTensorName_StopsLoadingWithTheNameAndTheGraphsNames()
    {
        string folder = CopyModel("tiny-chat");
        string configPath = Path.Combine(folder, "genai_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["model"]!["decoder"]!["inputs"]!["past_key_names"] = "past.%d.k";
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<ModelLoadException>(() => ModelRegistry.Load([new ModelDefinition { Id = "broken", Path = folder }]));
        Assert.That(error!.Message, Does.Contain("past.0.k").And.Contain("past_key_values.0.key"));
    }

    [Test]
    public void MissingTokenizer_StopsLoadingWithTheFileNamed()
    {
        string folder = CopyModel("tiny-chat");
        File.Delete(Path.Combine(folder, "tokenizer.json"));

        var error = Assert.Throws<ModelLoadException>(() => ModelRegistry.Load([new ModelDefinition { Id = "broken", Path = folder }]));
        Assert.That(error!.Message, Does.Contain("tokenizer.json"));
    }

    [Test]
    public void CudaChatModelWithoutTheIlgpuBackend_FailsNamingIt_NeverFallsBack()
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelRegistry.Load(
            [new ModelDefinition { Id = "gpu", Path = GoldenFiles.ModelFolder("tiny-chat"), ExecutionProvider = ExecutionProvider.Cuda }]));
        Assert.That(error!.Message, Does.Contain("ILGPU").And.Contain("Inference.Engine.Cuda"));
    }

    [Test]
    public void CudaEmbeddingModelWhereTheProviderIsMissing_FailsWithWhatToInstall_NeverFallsBack()
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelRegistry.Load(
            [new ModelDefinition { Id = "gpu", Path = GoldenFiles.ModelFolder("tiny-embed"), ExecutionProvider = ExecutionProvider.Cuda }]));
        Assert.That(error!.Message, Does.Contain("CUDA").And.Contain("Microsoft.ML.OnnxRuntime.Gpu"));
    }

    [Test]
    public void DuplicateNames_AreRefused()
    {
        var error = Assert.Throws<ModelLoadException>(() => ModelRegistry.Load(
        [
            new ModelDefinition { Id = "tiny-chat", Path = GoldenFiles.ModelFolder("tiny-chat") },
            new ModelDefinition { Id = "other", Path = GoldenFiles.ModelFolder("tiny-embed"), Aliases = ["tiny-chat"] },
        ]));
        Assert.That(error!.Message, Does.Contain("tiny-chat"));
    }
}
