namespace Inference.Engine.Tokenization;

/// <summary>A decoder model's tokenizer: text to ids and back, with the raw bytes of every token for streaming.</summary>
public interface ITokenizer
{
    /// <summary>One more than the largest token id.</summary>
    int VocabularySize { get; }

    /// <summary>Encodes like Hugging Face's <c>tokenizer(text, add_special_tokens=False)</c>: nothing is added,
    /// and special-token strings inside the text become their special tokens.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Decodes like Hugging Face's <c>decode</c>; invalid UTF-8 becomes U+FFFD.</summary>
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens);

    /// <summary>Whether the id is a special token (skipped when decoding with skipSpecialTokens).</summary>
    bool IsSpecialToken(int id);

    /// <summary>The UTF-8 bytes the token stands for (possibly part of a character).</summary>
    ReadOnlySpan<byte> GetTokenBytes(int id);

    /// <summary>Finds the id of a token by its content (vocabulary entries and added tokens).</summary>
    bool TryGetTokenId(string tokenContent, out int id);
}
