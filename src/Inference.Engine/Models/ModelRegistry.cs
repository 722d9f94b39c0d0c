using System.Diagnostics.CodeAnalysis;
using Inference.Engine.Decoding;
using Inference.Engine.Embeddings;

namespace Inference.Engine.Models;

/// <summary>Loads every configured model folder at start-up and finds models by id or alias.</summary>
public sealed class ModelRegistry : IModelRegistry, IDisposable
{
    private readonly Dictionary<string, IChatModel> _chat = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IEmbeddingModel> _embedding = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelInfo> _byName = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _owned = [];
    private readonly IDecoderBackendFactory? _backends;

    private ModelRegistry(IReadOnlyList<ModelInfo> models, IDecoderBackendFactory? backends)
    {
        Models = models;
        _backends = backends;
    }

    /// <inheritdoc />
    public IReadOnlyList<ModelInfo> Models { get; private set; }

    /// <summary>
    /// Loads the models. A folder that cannot be loaded stops everything with a <see cref="ModelLoadException"/>
    /// naming the file and the problem: a service that starts without a configured model fails later and worse.
    /// </summary>
    public static ModelRegistry Load(IEnumerable<ModelDefinition> definitions, TimeProvider? clock = null) =>
        Load(definitions, clock, backends: null);

    /// <summary>Loads the models, with <paramref name="backends"/> serving execution providers other than the
    /// CPU (the host registers the ILGPU backend this way, so the engine needs no GPU packages).</summary>
    internal static ModelRegistry Load(
        IEnumerable<ModelDefinition> definitions, TimeProvider? clock, IDecoderBackendFactory? backends)
    {
        clock ??= TimeProvider.System;
        var registry = new ModelRegistry([], backends);
        var infos = new List<ModelInfo>();
        try
        {
            foreach (var definition in definitions)
            {
                var info = registry.LoadOne(definition, clock);
                infos.Add(info);
            }
        }
        catch
        {
            registry.Dispose();
            throw;
        }

        registry.Models = infos;
        return registry;
    }

    private ModelInfo LoadOne(ModelDefinition definition, TimeProvider clock)
    {
        if (string.IsNullOrWhiteSpace(definition.Id))
        {
            throw new ModelLoadException($"A model at '{definition.Path}' has no id.");
        }

        if (definition.Synthetic is not null)
        {
            var synthetic = new SyntheticChatModel(definition, clock);
            Register(synthetic.Info, () => _chat[synthetic.Info.Id] = synthetic);
            return synthetic.Info;
        }

        if (!Directory.Exists(definition.Path))
        {
            throw new ModelLoadException($"Model '{definition.Id}': the folder '{definition.Path}' does not exist.");
        }

        var kind = definition.Kind ?? DetectKind(definition);
        ModelInfo info;
        if (kind == ModelKind.Chat)
        {
            var model = ChatModel.Load(definition, clock, _backends);
            _owned.Add(model);
            info = model.Info;
            Register(info, () => _chat[info.Id] = model);
        }
        else
        {
            var model = EmbeddingModel.Load(definition, clock);
            _owned.Add(model);
            info = model.Info;
            Register(info, () => _embedding[info.Id] = model);
        }

        return info;
    }

    private void Register(ModelInfo info, Action add)
    {
        foreach (var name in info.Aliases.Prepend(info.Id))
        {
            if (!_byName.TryAdd(name, info))
            {
                throw new ModelLoadException($"Model name '{name}' is used twice (by '{_byName[name].Id}' and '{info.Id}').");
            }
        }

        add();
    }

    private static ModelKind DetectKind(ModelDefinition definition)
    {
        if (File.Exists(Path.Combine(definition.Path, "genai_config.json")))
        {
            return ModelKind.Chat;
        }

        if (File.Exists(Path.Combine(definition.Path, "config.json")))
        {
            return ModelKind.Embedding;
        }

        throw new ModelLoadException(
            $"Model '{definition.Id}': '{definition.Path}' has neither genai_config.json (a decoder) nor config.json (an encoder).");
    }

    /// <inheritdoc />
    public bool TryGetInfo(string idOrAlias, [NotNullWhen(true)] out ModelInfo? info) =>
        _byName.TryGetValue(idOrAlias, out info);

    /// <inheritdoc />
    public bool TryGetChatModel(string idOrAlias, [NotNullWhen(true)] out IChatModel? model)
    {
        model = null;
        return _byName.TryGetValue(idOrAlias, out var info) && _chat.TryGetValue(info.Id, out model);
    }

    /// <inheritdoc />
    public bool TryGetEmbeddingModel(string idOrAlias, [NotNullWhen(true)] out IEmbeddingModel? model)
    {
        model = null;
        return _byName.TryGetValue(idOrAlias, out var info) && _embedding.TryGetValue(info.Id, out model);
    }

    /// <summary>Stops the schedulers and releases the sessions.</summary>
    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _owned.Clear();
    }
}
