using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Inference.Contracts;

/// <summary>The contract's protobuf descriptors, for code that describes the API from them (the OpenAPI document).</summary>
public static class ContractDescriptors
{
    private const string DocumentedSetResource = "Inference.Contracts.protoset";

    /// <summary>Every file compiled into this assembly: each generated <c>XxxReflection</c> class holds one, so a file
    /// added to <c>protos/</c> appears here without a change.</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } = typeof(ContractDescriptors).Assembly.GetTypes()
        .Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Reflection", StringComparison.Ordinal))
        .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
        .OfType<FileDescriptor>()
        .OrderBy(f => f.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The same files (and their imports) built from the descriptor set the build writes with source info,
    /// so each element's <see cref="IDescriptor"/> declaration carries its proto comments. Empty when the resource is
    /// missing (a build that skipped it): callers then simply have no comments.</summary>
    public static IReadOnlyList<FileDescriptor> LoadDocumented()
    {
        using var stream = typeof(ContractDescriptors).Assembly.GetManifestResourceStream(DocumentedSetResource);
        if (stream is null)
        {
            return [];
        }

        // protoc writes the set in dependency order, as BuildFromByteStrings needs.
        var set = FileDescriptorSet.Parser.ParseFrom(stream);
        return FileDescriptor.BuildFromByteStrings(set.File.Select(f => f.ToByteString()));
    }
}
