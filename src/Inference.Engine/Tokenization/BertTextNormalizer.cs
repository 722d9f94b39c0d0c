using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Inference.Engine.Tokenization;

/// <summary>Hugging Face's <c>BertNormalizer</c>. Microsoft.ML.Tokenizers' own BERT normaliser differs on symbols,
/// tabs and newlines (see the fixtures README), so this one follows the Rust implementation step by step: clean
/// text, pad CJK ideographs, strip accents, lower-case.</summary>
internal sealed class BertTextNormalizer : Normalizer
{
    private readonly bool _cleanText;
    private readonly bool _handleChineseChars;
    private readonly bool _stripAccents;
    private readonly bool _lowercase;

    public BertTextNormalizer(bool cleanText, bool handleChineseChars, bool? stripAccents, bool lowercase)
    {
        _cleanText = cleanText;
        _handleChineseChars = handleChineseChars;
        _stripAccents = stripAccents ?? lowercase; // null means "follow lowercase", as in Hugging Face.
        _lowercase = lowercase;
    }

    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        return Normalize(original.AsSpan());
    }

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var builder = new StringBuilder(original.Length + 8);
        foreach (var rune in original.EnumerateRunes())
        {
            if (_cleanText)
            {
                if (rune.Value == 0 || rune.Value == 0xFFFD || IsControl(rune))
                {
                    continue;
                }

                if (IsWhitespace(rune))
                {
                    builder.Append(' ');
                    continue;
                }
            }

            if (_handleChineseChars && IsCjk(rune.Value))
            {
                builder.Append(' ').Append(rune.ToString()).Append(' ');
                continue;
            }

            builder.Append(rune.ToString());
        }

        var text = builder.ToString();
        if (_stripAccents)
        {
            text = StripAccents(text);
        }

        if (_lowercase)
        {
            text = text.ToLowerInvariant();
        }

        return text;
    }

    private static string StripAccents(string text)
    {
        var decomposed = UnicodeNormalizer.ToNfd(text);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }

    private static bool IsWhitespace(Rune rune) =>
        rune.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(rune);

    // Rust's char::is_other: Cc, Cf, Cs, Co, Cn; tab, newline and carriage return count as whitespace instead.
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    // The CJK Unified Ideograph blocks BERT treats as single-character words (not Hiragana, Katakana or Hangul).
    private static bool IsCjk(int c) =>
        c is (>= 0x4E00 and <= 0x9FFF)
            or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F)
            or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x2F800 and <= 0x2FA1F);
}
