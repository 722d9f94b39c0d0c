using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Inference.Server.Rest;

/// <summary>
/// Writes a protobuf message as JSON the way JSON transcoding does, so a streamed chunk and a transcoded response
/// look alike: field names from <c>json_name</c>, int64 as JSON numbers, fields without presence always written
/// (zero values and empty lists too), unset optional and message fields omitted, well-known
/// <c>Value</c>/<c>Struct</c>/<c>ListValue</c> as plain JSON. Google.Protobuf's own formatter writes int64 as
/// strings, which OpenAI clients do not accept.
/// </summary>
internal static class ProtoJsonWriter
{
    /// <summary>
    /// How our own JSON writers escape, as transcoding's do: text as it is, escaping only what JSON requires (quotes,
    /// backslashes, control characters), so a model's "it's" is not sent as <c>it\u0027s</c>. These bodies are
    /// <c>application/json</c> and <c>text/event-stream</c>, never HTML, which the default's extra escaping guards.
    /// </summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteMessage(Utf8JsonWriter writer, IMessage message)
    {
        switch (message)
        {
            case Value value:
                WriteValue(writer, value);
                return;
            case Struct structValue:
                WriteStruct(writer, structValue);
                return;
            case ListValue list:
                WriteList(writer, list);
                return;
        }

        writer.WriteStartObject();
        var fields = message.Descriptor.Fields.InFieldNumberOrder();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var accessor = field.Accessor;
            if (field.IsMap)
            {
                writer.WritePropertyName(field.JsonName);
                writer.WriteStartObject();
                var valueField = field.MessageType.FindFieldByNumber(2);
                foreach (DictionaryEntry entry in (IDictionary)accessor.GetValue(message))
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!);
                    WriteSingle(writer, valueField, entry.Value);
                }

                writer.WriteEndObject();
            }
            else if (field.IsRepeated)
            {
                writer.WritePropertyName(field.JsonName);
                writer.WriteStartArray();
                foreach (var item in (IList)accessor.GetValue(message))
                {
                    WriteSingle(writer, field, item);
                }

                writer.WriteEndArray();
            }
            else if (!field.HasPresence || accessor.HasValue(message))
            {
                writer.WritePropertyName(field.JsonName);
                WriteSingle(writer, field, accessor.GetValue(message));
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteSingle(Utf8JsonWriter writer, FieldDescriptor field, object? value)
    {
        switch (field.FieldType)
        {
            case FieldType.Double:
                WriteDouble(writer, (double)value!);
                break;
            case FieldType.Float:
                var f = (float)value!;
                if (float.IsFinite(f))
                {
                    writer.WriteNumberValue(f);
                }
                else
                {
                    WriteDouble(writer, f);
                }

                break;
            case FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32:
                writer.WriteNumberValue((int)value!);
                break;
            case FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64:
                writer.WriteNumberValue((long)value!);
                break;
            case FieldType.UInt32 or FieldType.Fixed32:
                writer.WriteNumberValue((uint)value!);
                break;
            case FieldType.UInt64 or FieldType.Fixed64:
                writer.WriteNumberValue((ulong)value!);
                break;
            case FieldType.Bool:
                writer.WriteBooleanValue((bool)value!);
                break;
            case FieldType.String:
                writer.WriteStringValue((string)value!);
                break;
            case FieldType.Bytes:
                writer.WriteBase64StringValue(((ByteString)value!).Span);
                break;
            case FieldType.Enum:
                var number = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                var name = field.EnumType.FindValueByNumber(number)?.Name;
                if (name is null)
                {
                    writer.WriteNumberValue(number);
                }
                else
                {
                    writer.WriteStringValue(name);
                }

                break;
            default:
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    WriteMessage(writer, (IMessage)value);
                }

                break;
        }
    }

    private static void WriteDouble(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            // Protobuf JSON spells the non-finite numbers as strings.
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, Value value)
    {
        switch (value.KindCase)
        {
            case Value.KindOneofCase.NumberValue:
                WriteDouble(writer, value.NumberValue);
                break;
            case Value.KindOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case Value.KindOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case Value.KindOneofCase.StructValue:
                WriteStruct(writer, value.StructValue);
                break;
            case Value.KindOneofCase.ListValue:
                WriteList(writer, value.ListValue);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteStruct(Utf8JsonWriter writer, Struct value)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in value.Fields)
        {
            writer.WritePropertyName(key);
            WriteValue(writer, item);
        }

        writer.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter writer, ListValue value)
    {
        writer.WriteStartArray();
        foreach (var item in value.Values)
        {
            WriteValue(writer, item);
        }

        writer.WriteEndArray();
    }
}
