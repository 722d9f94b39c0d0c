using System.Text.Json;

namespace Inference.Engine.Models;

/// <summary>Reads a model folder's JSON files, turning any failure into a <see cref="ModelLoadException"/> that
/// names the file.</summary>
internal static class ModelJson
{
    public static JsonDocument Read(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot be read as JSON ({e.Message}).", e);
        }
    }
}
