using System.Text;

namespace Inference.Engine.Tokenization;

/// <summary>Canonical Unicode normalisation (NFD, NFC) from the tables in <see cref="UnicodeNormalizationData"/>.
/// With invariant globalization <see cref="string.Normalize()"/> returns its input unchanged, which would silently
/// break tokenizers whose normaliser is NFC (Qwen2.5) or that strip accents (BERT).</summary>
internal static class UnicodeNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, int[]> DecompositionMap = BuildDecompositions();
    private static readonly Dictionary<long, int> CompositionMap = BuildCompositions();
    private static readonly int[] CombiningRanges = UnicodeNormalizationData.CombiningClasses.ToArray();

    /// <summary>Canonical decomposition (NFD).</summary>
    public static string ToNfd(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Nothing below U+00C0 decomposes, so plain ASCII text (most prompts) returns at once.
        if (AllBelow(text, (char)0xC0))
        {
            return text;
        }

        return ToString(Decompose(text));
    }

    /// <summary>Canonical composition (NFC).</summary>
    public static string ToNfc(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Below U+0300 there are no combining marks, so such text is already composed.
        if (AllBelow(text, (char)0x300))
        {
            return text;
        }

        return ToString(Compose(Decompose(text)));
    }

    /// <summary>The canonical combining class of a code point (0 for starters).</summary>
    public static int CombiningClass(int codePoint)
    {
        if (codePoint < 0x300)
        {
            return 0;
        }

        // Binary search over (first, last, class) triples.
        int low = 0, high = (CombiningRanges.Length / 3) - 1;
        while (low <= high)
        {
            var mid = (low + high) >> 1;
            if (codePoint < CombiningRanges[mid * 3])
            {
                high = mid - 1;
            }
            else if (codePoint > CombiningRanges[(mid * 3) + 1])
            {
                low = mid + 1;
            }
            else
            {
                return CombiningRanges[(mid * 3) + 2];
            }
        }

        return 0;
    }

    private static bool AllBelow(string text, char limit)
    {
        foreach (var c in text)
        {
            if (c >= limit)
            {
                return false;
            }
        }

        return true;
    }

    private static List<int> Decompose(string text)
    {
        var result = new List<int>(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp >= SBase && cp < SBase + SCount)
            {
                var index = cp - SBase;
                result.Add(LBase + (index / NCount));
                result.Add(VBase + (index % NCount / TCount));
                if (index % TCount != 0)
                {
                    result.Add(TBase + (index % TCount));
                }
            }
            else if (DecompositionMap.TryGetValue(cp, out var parts))
            {
                result.AddRange(parts);
            }
            else
            {
                result.Add(cp);
            }
        }

        // Canonical ordering: marks between two starters are stably sorted by combining class.
        for (var i = 1; i < result.Count; i++)
        {
            var ccc = CombiningClass(result[i]);
            if (ccc == 0)
            {
                continue;
            }

            var j = i;
            while (j > 0 && CombiningClass(result[j - 1]) > ccc)
            {
                (result[j - 1], result[j]) = (result[j], result[j - 1]);
                j--;
            }
        }

        return result;
    }

    private static List<int> Compose(List<int> decomposed)
    {
        var result = new List<int>(decomposed.Count);
        var starter = -1;
        var lastClass = 0;
        foreach (var cp in decomposed)
        {
            var ccc = CombiningClass(cp);
            if (starter >= 0)
            {
                // A mark is blocked from the starter by an intervening starter or a mark of the same or higher class.
                var adjacent = starter == result.Count - 1;
                if ((adjacent || (lastClass != 0 && lastClass < ccc)) && TryCompose(result[starter], cp, out var composite))
                {
                    result[starter] = composite;
                    continue;
                }
            }

            if (ccc == 0)
            {
                starter = result.Count;
            }

            lastClass = ccc;
            result.Add(cp);
        }

        return result;
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
        {
            composite = SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
            return true;
        }

        if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0 && second > TBase && second < TBase + TCount)
        {
            composite = first + (second - TBase);
            return true;
        }

        return CompositionMap.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private static string ToString(List<int> codePoints)
    {
        var builder = new StringBuilder(codePoints.Count + 4);
        foreach (var cp in codePoints)
        {
            builder.Append(new Rune(cp).ToString());
        }

        return builder.ToString();
    }

    private static Dictionary<int, int[]> BuildDecompositions()
    {
        var data = UnicodeNormalizationData.Decompositions;
        var map = new Dictionary<int, int[]>(2100);
        for (var i = 0; i < data.Length;)
        {
            var length = data[i + 1];
            map[data[i]] = data.Slice(i + 2, length).ToArray();
            i += 2 + length;
        }

        return map;
    }

    private static Dictionary<long, int> BuildCompositions()
    {
        var data = UnicodeNormalizationData.Compositions;
        var map = new Dictionary<long, int>(data.Length / 3);
        for (var i = 0; i < data.Length; i += 3)
        {
            map[((long)data[i] << 21) | (uint)data[i + 1]] = data[i + 2];
        }

        return map;
    }
}
