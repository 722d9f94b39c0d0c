using Google.Protobuf.Reflection;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Inference.Server.OpenApi;

/// <summary>
/// The proto comments of the contract, by element full name, for the descriptions in the OpenAPI document. The
/// descriptors compiled into C# have none, so they come from the documented descriptor set
/// (<see cref="Inference.Contracts.ContractDescriptors.LoadDocumented"/>).
/// </summary>
internal sealed class ProtoComments
{
    private readonly Dictionary<string, string> _byName = new(StringComparer.Ordinal);

    public ProtoComments(IEnumerable<FileDescriptor> documentedFiles)
    {
        foreach (var file in documentedFiles)
        {
            foreach (var message in file.MessageTypes)
            {
                AddMessage(message);
            }

            foreach (var enumType in file.EnumTypes)
            {
                Add(enumType);
            }

            foreach (var service in file.Services)
            {
                Add(service);
                foreach (var method in service.Methods)
                {
                    Add(method);
                }
            }
        }
    }

    /// <summary>The element's leading comment as one paragraph per blank-line-separated block; null when it has none.</summary>
    public string? Of(IDescriptor descriptor) => _byName.GetValueOrDefault(descriptor.FullName);

    private void AddMessage(MessageDescriptor message)
    {
        Add(message);
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            Add(field);
        }

        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested);
        }

        foreach (var enumType in message.EnumTypes)
        {
            Add(enumType);
        }
    }

    private void Add(IDescriptor descriptor)
    {
        var comment = descriptor switch
        {
            MessageDescriptor d => d.Declaration?.LeadingComments,
            FieldDescriptor d => d.Declaration?.LeadingComments,
            EnumDescriptor d => d.Declaration?.LeadingComments,
            ServiceDescriptor d => d.Declaration?.LeadingComments,
            MethodDescriptor d => d.Declaration?.LeadingComments,
            _ => null,
        };
        if (!string.IsNullOrWhiteSpace(comment))
        {
            _byName[descriptor.FullName] = Unwrap(comment);
        }
    }

    /// <summary>Proto comments are wrapped at a column; Markdown renderers want paragraphs.</summary>
    private static string Unwrap(string comment)
    {
        var paragraphs = comment.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(p => string.Join(' ', p.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0)))
            .Where(p => p.Length > 0);
        return string.Join("\n\n", paragraphs);
    }
}
