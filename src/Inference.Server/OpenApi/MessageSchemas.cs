using System.Text.Json.Nodes;
using Google.Protobuf.Reflection;
using Microsoft.OpenApi;

namespace Inference.Server.OpenApi;

/// <summary>
/// JSON schemas for protobuf messages as JSON transcoding reads and writes them: property names are the fields'
/// JSON names (our contract sets <c>json_name</c> to the snake_case wire names), int64 is a JSON number, enums are
/// their value names, and the well-known types take their JSON forms (<c>Value</c> is any JSON, <c>Struct</c> an
/// object, <c>Timestamp</c> an RFC 3339 string). Each message becomes one component, referenced wherever it is used.
/// </summary>
internal sealed class MessageSchemas(OpenApiDocument document, ProtoComments comments)
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);

    /// <summary>The components written so far, by name.</summary>
    public Dictionary<string, IOpenApiSchema> Components { get; } = new(StringComparer.Ordinal);

    /// <summary>A reference to the message's component, written (with every message it uses) on first use.</summary>
    public IOpenApiSchema Reference(MessageDescriptor message)
    {
        if (WellKnown(message) is { } wellKnown)
        {
            return wellKnown;
        }

        if (!_names.TryGetValue(message.FullName, out var name))
        {
            // Short names read best in the reference page; another package's message of the same name keeps its
            // full name.
            name = _names.ContainsValue(message.Name) ? message.FullName : message.Name;
            _names.Add(message.FullName, name);
            var schema = new OpenApiSchema { Type = JsonSchemaType.Object, Description = comments.Of(message) };
            // Registered before the fields are walked, so a message that contains itself ends in a reference.
            Components[name] = schema;
            schema.Properties = Properties(message, exclude: []);
        }

        return new OpenApiSchemaReference(name, document);
    }

    /// <summary>An inline object schema for the message without the given fields (those bound from the path).</summary>
    public OpenApiSchema Without(MessageDescriptor message, IReadOnlyCollection<string> excludedFields) =>
        new() { Type = JsonSchemaType.Object, Description = comments.Of(message), Properties = Properties(message, excludedFields) };

    /// <summary>The schema of one field's JSON value, described by the field's comment.</summary>
    public IOpenApiSchema Field(FieldDescriptor field)
    {
        var value = FieldValue(field);
        var description = comments.Of(field);
        return description is null ? value : Describe(value, description);
    }

    private Dictionary<string, IOpenApiSchema> Properties(MessageDescriptor message, IReadOnlyCollection<string> exclude)
    {
        var properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            if (!exclude.Contains(field.Name) && !exclude.Contains(field.JsonName))
            {
                properties[field.JsonName] = Field(field);
            }
        }

        return properties;
    }

    private IOpenApiSchema FieldValue(FieldDescriptor field)
    {
        if (field.IsMap)
        {
            return new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalProperties = Single(field.MessageType.FindFieldByNumber(2)),
            };
        }

        return field.IsRepeated ? new OpenApiSchema { Type = JsonSchemaType.Array, Items = Single(field) } : Single(field);
    }

    private IOpenApiSchema Single(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.Double => Primitive(JsonSchemaType.Number, "double"),
        FieldType.Float => Primitive(JsonSchemaType.Number, "float"),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Primitive(JsonSchemaType.Integer, "int32"),
        FieldType.UInt32 or FieldType.Fixed32 => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "0" },
        // Transcoding writes 64-bit integers as JSON numbers (OpenAI's clients expect numbers), not proto3 JSON strings.
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Primitive(JsonSchemaType.Integer, "int64"),
        FieldType.UInt64 or FieldType.Fixed64 => new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0" },
        FieldType.Bool => Primitive(JsonSchemaType.Boolean, null),
        FieldType.String => Primitive(JsonSchemaType.String, null),
        FieldType.Bytes => Primitive(JsonSchemaType.String, "byte"),
        FieldType.Enum => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Enum = field.EnumType.Values.Select(v => (JsonNode)JsonValue.Create(v.Name)).ToList(),
        },
        _ => Reference(field.MessageType),
    };

    private static OpenApiSchema Primitive(JsonSchemaType type, string? format) => new() { Type = type, Format = format };

    /// <summary>The JSON forms of the well-known types, inline: they are not objects on the wire.</summary>
    private static OpenApiSchema? WellKnown(MessageDescriptor message) => message.FullName switch
    {
        "google.protobuf.Value" => new OpenApiSchema { Description = "Any JSON value." },
        "google.protobuf.Struct" => new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalPropertiesAllowed = true },
        "google.protobuf.ListValue" => new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema() },
        "google.protobuf.Empty" => new OpenApiSchema { Type = JsonSchemaType.Object },
        "google.protobuf.Timestamp" => Primitive(JsonSchemaType.String, "date-time"),
        "google.protobuf.Duration" => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = @"^-?\d+(\.\d+)?s$" },
        "google.protobuf.FieldMask" => Primitive(JsonSchemaType.String, null),
        "google.protobuf.Any" => new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema> { ["@type"] = Primitive(JsonSchemaType.String, null) },
            AdditionalPropertiesAllowed = true,
        },
        "google.protobuf.DoubleValue" or "google.protobuf.FloatValue" => Primitive(JsonSchemaType.Number | JsonSchemaType.Null, null),
        "google.protobuf.Int32Value" or "google.protobuf.UInt32Value" or "google.protobuf.Int64Value" or "google.protobuf.UInt64Value"
            => Primitive(JsonSchemaType.Integer | JsonSchemaType.Null, null),
        "google.protobuf.BoolValue" => Primitive(JsonSchemaType.Boolean | JsonSchemaType.Null, null),
        "google.protobuf.StringValue" => Primitive(JsonSchemaType.String | JsonSchemaType.Null, null),
        "google.protobuf.BytesValue" => Primitive(JsonSchemaType.String | JsonSchemaType.Null, "byte"),
        _ => null,
    };

    private static IOpenApiSchema Describe(IOpenApiSchema schema, string description)
    {
        switch (schema)
        {
            case OpenApiSchemaReference reference:
                // OpenAPI 3.1 lets a reference carry its own description: the field's, beside the message's.
                reference.Description = description;
                return reference;
            case OpenApiSchema inline:
                inline.Description = inline.Description is null ? description : description + " " + inline.Description;
                return inline;
            default:
                return schema;
        }
    }
}
