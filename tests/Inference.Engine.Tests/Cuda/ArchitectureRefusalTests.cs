using System.Text.Json.Nodes;
using Inference.Engine.Cuda.Device;
using Inference.Engine.Models;
using Inference.Engine.Onnx;

namespace Inference.Engine.Tests.Cuda;

/// <summary>The ILGPU backend refuses at load what it cannot run, saying what it supports.</summary>
[TestFixture]
public sealed class ArchitectureRefusalTests
{
    private string _folder = null!;

    [SetUp]
    public void CopyTinyChat()
    {
        _folder = Path.Combine(Path.GetTempPath(), "ilgpu-refusal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        foreach (string file in Directory.GetFiles(GoldenFiles.ModelFolder("tiny-chat")))
        {
            File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
        }
    }

    [TearDown]
    public void Delete() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void UnsupportedModelType_IsRefusedNamingWhatIsSupported()
    {
        Edit("config.json", json => json["model_type"] = "phi3");

        var error = Assert.Throws<ModelLoadException>(Load);

        Assert.That(error!.Message, Does.Contain("phi3").And.Contain("supported: Qwen2 / Llama-family"));
    }

    [Test]
    public void UnsupportedRotaryScaling_IsRefused()
    {
        Edit("config.json", json => json["rope_parameters"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0 });

        var error = Assert.Throws<ModelLoadException>(Load);

        Assert.That(error!.Message, Does.Contain("yarn").And.Contain("supported"));
    }

    [Test]
    public void MissingConfigJson_IsRefusedSayingWhyItIsNeeded()
    {
        File.Delete(Path.Combine(_folder, "config.json"));

        var error = Assert.Throws<ModelLoadException>(Load);

        Assert.That(error!.Message, Does.Contain("config.json").And.Contain("rotary"));
    }

    private void Load() => ModelRegistry.Load(
        [new ModelDefinition { Id = "refused", Path = _folder, ExecutionProvider = ExecutionProvider.IlgpuCpu }],
        clock: null, IlgpuBackendFactory.Instance).Dispose();

    private void Edit(string file, Action<JsonObject> change)
    {
        string path = Path.Combine(_folder, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        change(json);
        File.WriteAllText(path, json.ToJsonString());
    }
}
