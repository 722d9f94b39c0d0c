using System.Text;

namespace Inference.Engine.Templates;

/// <summary>Python <c>str</c> behaviour that differs from .NET: whitespace set, code-point indexing, methods.</summary>
internal static class PyStr
{
    /// <summary>Python's <c>str.isspace</c> set: .NET's plus the four ASCII separators U+001C..U+001F.</summary>
    public static readonly char[] WhitespaceChars = BuildWhitespace();

    public static bool IsWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    private static char[] BuildWhitespace()
    {
        var list = new List<char>();
        for (int c = 0; c <= 0xFFFF; c++)
        {
            if (IsWhitespace((char)c))
            {
                list.Add((char)c);
            }
        }

        return [.. list];
    }

    public static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>Splits into Python characters (code points); a surrogate pair is one element.</summary>
    public static List<string> CodePoints(string s)
    {
        var list = new List<string>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(s.Substring(i, 2));
                i++;
            }
            else
            {
                list.Add(s[i].ToString());
            }
        }

        return list;
    }

    public static int Length(string s) => HasSurrogates(s) ? CodePoints(s).Count : s.Length;

    public static string Strip(string s, object? chars, bool left, bool right)
    {
        char[] set = chars is string cs ? cs.ToCharArray() : WhitespaceChars;
        if (left && right)
        {
            return s.Trim(set);
        }

        return left ? s.TrimStart(set) : s.TrimEnd(set);
    }

    public static List<object?> Split(string s, string? sep, long maxSplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            // Whitespace split: runs of whitespace separate, no empty strings.
            int i = 0;
            while (true)
            {
                while (i < s.Length && IsWhitespace(s[i]))
                {
                    i++;
                }

                if (i >= s.Length)
                {
                    break;
                }

                if (maxSplit >= 0 && parts.Count >= maxSplit)
                {
                    parts.Add(s[i..].TrimEnd(WhitespaceChars));
                    break;
                }

                int start = i;
                while (i < s.Length && !IsWhitespace(s[i]))
                {
                    i++;
                }

                parts.Add(s[start..i]);
            }

            return parts;
        }

        if (sep.Length == 0)
        {
            throw new TemplateEvaluationException("ValueError: empty separator");
        }

        int pos = 0;
        while (maxSplit < 0 || parts.Count < maxSplit)
        {
            int idx = s.IndexOf(sep, pos, StringComparison.Ordinal);
            if (idx < 0)
            {
                break;
            }

            parts.Add(s[pos..idx]);
            pos = idx + sep.Length;
        }

        parts.Add(s[pos..]);
        return parts;
    }

    /// <summary>Python <c>str.title()</c>: a letter after a non-letter is upper-cased, others lower-cased.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool prevCased = false;
        foreach (char c in s)
        {
            if (char.IsLetter(c))
            {
                sb.Append(prevCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
                prevCased = true;
            }
            else
            {
                sb.Append(c);
                prevCased = false;
            }
        }

        return sb.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>Python <c>repr()</c> of a string: single quotes unless the text has ' and no ".</summary>
    public static string Repr(string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2);
        sb.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append(quote).ToString();
    }
}
