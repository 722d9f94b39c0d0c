using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Inference.Engine.Tokenization;

/// <summary>
/// BERT's text clean-up as Hugging Face's BertNormalizer does it: control and format characters removed, every
/// whitespace becomes a space, CJK ideographs stand alone, and for uncased models lower-casing and accent removal.
/// </summary>
internal sealed class BertNormalizer(bool lowerCase, bool stripAccents) : Normalizer
{
    public override string Normalize(string original) => Normalize(original.AsSpan());

    public override string Normalize(ReadOnlySpan<char> original)
    {
        var text = new StringBuilder(original.Length + 8);
        foreach (var rune in original.EnumerateRunes())
        {
            int value = rune.Value;
            if (value == 0 || value == 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (Rune.IsWhiteSpace(rune))
            {
                text.Append(' ');
            }
            else if (IsCjk(value))
            {
                text.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                text.Append(rune.ToString());
            }
        }

        string result = text.ToString();
        if (lowerCase)
        {
            result = result.ToLowerInvariant();
        }

        if (stripAccents)
        {
            var stripped = new StringBuilder(result.Length);
            foreach (char c in result.Normalize(NormalizationForm.FormD))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
                {
                    stripped.Append(c);
                }
            }

            result = stripped.ToString();
        }

        return result;
    }

    /// <summary>Tab, newline and carriage return count as whitespace, not control, as in BERT.</summary>
    private static bool IsControl(Rune rune)
    {
        if (rune.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.Control or UnicodeCategory.Format;
    }

    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
