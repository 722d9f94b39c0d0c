namespace Inference.Engine.Tokenization;

/// <summary>Decoder-side tokenizer: turns text into model token ids and back.</summary>
/// <remarks>Implementations are immutable after construction and safe to use from several threads.</remarks>
public interface ITokenizer
{
    /// <summary>One past the largest token id the tokenizer knows (vocabulary plus added tokens).</summary>
    int VocabularySize { get; }

    /// <summary>Encodes text like Hugging Face <c>tokenizer(text, add_special_tokens=False)</c>: nothing is added
    /// around the text, and special-token strings inside it are parsed as their special tokens.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Decodes ids like Hugging Face <c>decode</c>; invalid UTF-8 becomes U+FFFD. Unknown ids are skipped.</summary>
    string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens);

    /// <summary>Whether the id is an added token marked special (skipped by <c>skipSpecialTokens</c>).</summary>
    bool IsSpecialToken(int id);

    /// <summary>The raw UTF-8 bytes the token stands for; empty for an id the tokenizer does not know.</summary>
    ReadOnlySpan<byte> GetTokenBytes(int id);

    /// <summary>Looks up an added token or vocabulary entry by its content (for example <c>&lt;|im_end|&gt;</c>).</summary>
    bool TryGetTokenId(string tokenContent, out int id);
}
