using Google.Protobuf;

namespace Inference.Engine.Cuda.Onnx;

/// <summary>
/// Reads initializers and nodes from an ONNX file with the protobuf wire reader, following onnx.proto's field
/// numbers (ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto and TensorProto below). Other
/// fields are skipped, so the reader does not depend on the opset or the producer.
/// </summary>
internal static class OnnxModelReader
{
    public static OnnxGraph Read(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var input = new CodedInputStream(stream);
            var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
            var nodes = new List<OnnxNode>();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 7 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    ReadGraph(input.ReadBytes(), initializers, nodes);
                }
                else
                {
                    input.SkipLastField();
                }
            }

            return new OnnxGraph(initializers, nodes);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"{path}: cannot be read as an ONNX model ({e.Message}).", e);
        }
    }

    private static void ReadGraph(ByteString bytes, Dictionary<string, OnnxTensor> initializers, List<OnnxNode> nodes)
    {
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    nodes.Add(ReadNode(input.ReadBytes()));
                    break;
                case 5:
                    var tensor = ReadTensor(input.ReadBytes());
                    initializers[tensor.Name] = tensor;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
    }

    private static OnnxNode ReadNode(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        string name = "";
        string opType = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    inputs.Add(input.ReadString());
                    break;
                case 2:
                    outputs.Add(input.ReadString());
                    break;
                case 3:
                    name = input.ReadString();
                    break;
                case 4:
                    opType = input.ReadString();
                    break;
                case 5:
                    var (attributeName, values) = ReadIntAttribute(input.ReadBytes());
                    if (values is not null)
                    {
                        attributes[attributeName] = values;
                    }

                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new OnnxNode(name, opType, inputs, outputs, attributes);
    }

    /// <summary>AttributeProto: name = 1, i = 3, ints = 8 (packed or not); other kinds are not needed.</summary>
    private static (string Name, long[]? Values) ReadIntAttribute(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string name = "";
        var values = new List<long>();
        bool any = false;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            if (field == 1)
            {
                name = input.ReadString();
            }
            else if (field == 3 && wire == WireFormat.WireType.Varint)
            {
                values.Add(input.ReadInt64());
                any = true;
            }
            else if (field == 8)
            {
                ReadInt64s(input, wire, values);
                any = true;
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (name, any ? [.. values] : null);
    }

    private static OnnxTensor ReadTensor(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var dims = new List<long>();
        var floats = new List<float>();
        var ints = new List<int>();
        var external = new Dictionary<string, string>(StringComparer.Ordinal);
        string name = "";
        int dataType = 0;
        ByteString? raw = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var wire = WireFormat.GetTagWireType(tag);
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    ReadInt64s(input, wire, dims);
                    break;
                case 2:
                    dataType = input.ReadInt32();
                    break;
                case 4:
                    ReadFloats(input, wire, floats);
                    break;
                case 5:
                    ReadInt32s(input, wire, ints);
                    break;
                case 8:
                    name = input.ReadString();
                    break;
                case 9:
                    raw = input.ReadBytes();
                    break;
                case 13:
                    var (key, value) = ReadEntry(input.ReadBytes());
                    external[key] = value;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new OnnxTensor
        {
            Name = name,
            Dims = [.. dims],
            DataType = dataType,
            Raw = raw,
            FloatData = floats.Count > 0 ? [.. floats] : null,
            Int32Data = ints.Count > 0 ? [.. ints] : null,
            ExternalLocation = external.GetValueOrDefault("location"),
            ExternalOffset = long.TryParse(external.GetValueOrDefault("offset"), out long offset) ? offset : 0,
            ExternalLength = long.TryParse(external.GetValueOrDefault("length"), out long length) ? length : -1,
        };
    }

    /// <summary>StringStringEntryProto: key = 1, value = 2.</summary>
    private static (string Key, string Value) ReadEntry(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string key = "";
        string value = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    key = input.ReadString();
                    break;
                case 2:
                    value = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (key, value);
    }

    private static void ReadInt64s(CodedInputStream input, WireFormat.WireType wire, List<long> into) =>
        ReadRepeated(input, wire, into, static i => i.ReadInt64());

    private static void ReadInt32s(CodedInputStream input, WireFormat.WireType wire, List<int> into) =>
        ReadRepeated(input, wire, into, static i => i.ReadInt32());

    private static void ReadFloats(CodedInputStream input, WireFormat.WireType wire, List<float> into) =>
        ReadRepeated(input, wire, into, static i => i.ReadFloat());

    /// <summary>A repeated scalar field, packed (one length-delimited run) or not (one value per tag).</summary>
    private static void ReadRepeated<T>(CodedInputStream input, WireFormat.WireType wire, List<T> into, Func<CodedInputStream, T> read)
    {
        if (wire != WireFormat.WireType.LengthDelimited)
        {
            into.Add(read(input));
            return;
        }

        var packed = input.ReadBytes().CreateCodedInput();
        while (!packed.IsAtEnd)
        {
            into.Add(read(packed));
        }
    }
}
