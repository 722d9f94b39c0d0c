using Google.Protobuf.WellKnownTypes;

namespace Inference.Contracts.V1;

/// <summary>
/// The sampling fields that chat and text completion requests share, field for field (the generated classes have
/// the same names and types), so the server checks them and maps them onto the engine's options in one place.
/// </summary>
public interface ISamplingParameters
{
    bool HasTemperature { get; }

    float Temperature { get; }

    bool HasTopP { get; }

    float TopP { get; }

    bool HasTopK { get; }

    int TopK { get; }

    bool HasMinP { get; }

    float MinP { get; }

    bool HasSeed { get; }

    long Seed { get; }

    bool HasN { get; }

    int N { get; }

    Value Stop { get; }

    bool HasPresencePenalty { get; }

    float PresencePenalty { get; }

    bool HasFrequencyPenalty { get; }

    float FrequencyPenalty { get; }

    bool HasRepetitionPenalty { get; }

    float RepetitionPenalty { get; }

    Struct LogitBias { get; }
}

/// <summary>A chat request's sampling fields (generated members).</summary>
public sealed partial class ChatCompleteRequest : ISamplingParameters;

/// <summary>A text completion request's sampling fields (generated members).</summary>
public sealed partial class CompleteRequest : ISamplingParameters;
