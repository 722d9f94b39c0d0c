using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Inference.Engine.Templates;

/// <summary>
/// Splits template source into tokens the way Jinja's lexer does with trim_blocks=True, lstrip_blocks=True and
/// keep_trailing_newline=False, so whitespace in the output matches transformers byte for byte.
/// </summary>
internal static partial class Lexer
{
    private static readonly string[] Operators =
    [
        "//", "**", "==", "!=", "<=", ">=",
        "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "=", "<", ">", ";",
    ];

    [GeneratedRegex(@"\G(?<ls>[-+]?)\s*raw\s*(?<re>-%\}\s*|\+%\}|%\}\n?)")]
    private static partial Regex RawBegin();

    [GeneratedRegex(@"\{%(?<ls>[-+]?)\s*endraw\s*(?<re>-%\}\s*|\+%\}|%\}\n?)")]
    private static partial Regex RawEnd();

    public static List<Token> Tokenize(string source)
    {
        // Jinja normalises newlines and, without keep_trailing_newline, drops one trailing newline.
        source = source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        if (source.EndsWith('\n'))
        {
            source = source[..^1];
        }

        var tokens = new List<Token>();
        int pos = 0;
        int line = 1;
        bool lineStarting = true;
        while (pos < source.Length)
        {
            int tag = FindTagStart(source, pos);
            if (tag < 0)
            {
                tokens.Add(new Token(TokenKind.Text, source[pos..], line));
                break;
            }

            string text = source[pos..tag];
            int textLine = line;
            line += CountNewlines(text);
            char kind = source[tag + 1];
            int after = tag + 2;
            char sign = after < source.Length ? source[after] : '\0';
            Match raw = kind == '%' ? RawBegin().Match(source, after) : Match.Empty;
            if (sign == '-')
            {
                text = text.TrimEnd(PyStr.WhitespaceChars);
            }
            else if (sign != '+' && kind != '{')
            {
                text = LStripBlock(text, lineStarting);
            }

            if (sign is '-' or '+' && !raw.Success)
            {
                after++;
            }

            if (text.Length > 0)
            {
                tokens.Add(new Token(TokenKind.Text, text, textLine));
            }

            if (raw.Success)
            {
                pos = LexRaw(source, raw, tokens, ref line, out lineStarting);
                continue;
            }

            if (kind == '#')
            {
                pos = SkipComment(source, after, ref line, out lineStarting);
                continue;
            }

            tokens.Add(new Token(kind == '{' ? TokenKind.VariableBegin : TokenKind.BlockBegin, "", line));
            pos = LexTag(source, after, kind == '%', tokens, ref line, out lineStarting);
        }

        tokens.Add(new Token(TokenKind.Eof, "", line));
        return tokens;
    }

    private static int FindTagStart(string s, int from)
    {
        while (true)
        {
            int i = s.IndexOf('{', from);
            if (i < 0 || i + 1 >= s.Length)
            {
                return -1;
            }

            char c = s[i + 1];
            if (c is '{' or '%' or '#')
            {
                return i;
            }

            from = i + 1;
        }
    }

    private static string LStripBlock(string text, bool lineStarting)
    {
        // lstrip_blocks: whitespace between the start of the line and a block or comment tag goes away.
        int lpos = text.LastIndexOf('\n') + 1;
        if (lpos == 0 && !lineStarting)
        {
            return text;
        }

        for (int i = lpos; i < text.Length; i++)
        {
            if (!PyStr.IsWhitespace(text[i]))
            {
                return text;
            }
        }

        return text[..lpos];
    }

    private static int SkipComment(string s, int pos, ref int line, out bool lineStarting)
    {
        int end = s.IndexOf("#}", pos, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new TemplateSyntaxException("Missing end of comment tag", line);
        }

        line += CountNewlines(s.AsSpan(pos, end - pos));
        char before = end > pos ? s[end - 1] : '\0';
        return AfterTagEnd(s, end + 2, before == '-', before == '+', ref line, out lineStarting);
    }

    private static int LexRaw(string s, Match begin, List<Token> tokens, ref int line, out bool lineStarting)
    {
        int contentStart = begin.Index + begin.Length;
        line += CountNewlines(begin.Value);
        Match end = RawEnd().Match(s, contentStart);
        if (!end.Success)
        {
            throw new TemplateSyntaxException("Missing end of raw directive", line);
        }

        string content = s[contentStart..end.Index];
        if (end.Groups["ls"].Value == "-")
        {
            content = content.TrimEnd(PyStr.WhitespaceChars);
        }

        if (content.Length > 0)
        {
            tokens.Add(new Token(TokenKind.Text, content, line));
        }

        line += CountNewlines(s.AsSpan(contentStart, end.Index + end.Length - contentStart));
        lineStarting = end.Value.EndsWith('\n');
        return end.Index + end.Length;
    }

    private static int AfterTagEnd(string s, int pos, bool stripAfter, bool keep, ref int line, out bool lineStarting)
    {
        lineStarting = false;
        if (stripAfter)
        {
            int start = pos;
            while (pos < s.Length && PyStr.IsWhitespace(s[pos]))
            {
                pos++;
            }

            line += CountNewlines(s.AsSpan(start, pos - start));
            lineStarting = pos > start && s[pos - 1] == '\n';
        }
        else if (!keep && pos < s.Length && s[pos] == '\n')
        {
            // trim_blocks: the first newline after a block or comment tag is removed.
            pos++;
            line++;
            lineStarting = true;
        }

        return pos;
    }

    private static int LexTag(string s, int pos, bool block, List<Token> tokens, ref int line, out bool lineStarting)
    {
        int depth = 0;
        while (true)
        {
            while (pos < s.Length && PyStr.IsWhitespace(s[pos]))
            {
                if (s[pos] == '\n')
                {
                    line++;
                }

                pos++;
            }

            if (pos >= s.Length)
            {
                throw new TemplateSyntaxException(
                    block ? "Unexpected end of template; missing '%}'" : "Unexpected end of template; missing '}}'", line);
            }

            if (depth == 0)
            {
                string close = block ? "%}" : "}}";
                if (string.CompareOrdinal(s, pos, "-" + close, 0, 3) == 0)
                {
                    tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", line));
                    return AfterTagEnd(s, pos + 3, true, false, ref line, out lineStarting);
                }

                if (block && string.CompareOrdinal(s, pos, "+%}", 0, 3) == 0)
                {
                    tokens.Add(new Token(TokenKind.BlockEnd, "", line));
                    return AfterTagEnd(s, pos + 3, false, true, ref line, out lineStarting);
                }

                if (string.CompareOrdinal(s, pos, close, 0, 2) == 0)
                {
                    tokens.Add(new Token(block ? TokenKind.BlockEnd : TokenKind.VariableEnd, "", line));
                    return AfterTagEnd(s, pos + 2, false, !block, ref line, out lineStarting);
                }
            }

            char c = s[pos];
            if (c is '\'' or '"')
            {
                pos = LexString(s, pos, tokens, ref line);
            }
            else if (char.IsAsciiDigit(c))
            {
                pos = LexNumber(s, pos, tokens, line);
            }
            else if (char.IsLetter(c) || c == '_')
            {
                int start = pos;
                while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] == '_'))
                {
                    pos++;
                }

                tokens.Add(new Token(TokenKind.Name, s[start..pos], line));
            }
            else
            {
                string? op = null;
                foreach (string candidate in Operators)
                {
                    if (string.CompareOrdinal(s, pos, candidate, 0, candidate.Length) == 0)
                    {
                        op = candidate;
                        break;
                    }
                }

                if (op is null)
                {
                    throw new TemplateSyntaxException($"Unexpected char '{c}'", line);
                }

                depth += op is "(" or "[" or "{" ? 1 : op is ")" or "]" or "}" ? -1 : 0;
                if (depth < 0)
                {
                    throw new TemplateSyntaxException($"Unexpected '{op}'", line);
                }

                tokens.Add(new Token(TokenKind.Operator, op, line));
                pos += op.Length;
            }
        }
    }

    private static int LexNumber(string s, int pos, List<Token> tokens, int line)
    {
        int start = pos;
        pos = SkipDigits(s, pos);
        bool isFloat = false;
        if (pos + 1 < s.Length && s[pos] == '.' && char.IsAsciiDigit(s[pos + 1]))
        {
            isFloat = true;
            pos = SkipDigits(s, pos + 1);
        }

        if (pos < s.Length && s[pos] is 'e' or 'E')
        {
            int e = pos + 1;
            if (e < s.Length && s[e] is '+' or '-')
            {
                e++;
            }

            if (e < s.Length && char.IsAsciiDigit(s[e]))
            {
                isFloat = true;
                pos = SkipDigits(s, e);
            }
        }

        string text = s[start..pos].Replace("_", "", StringComparison.Ordinal);
        tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, text, line));
        return pos;
    }

    private static int SkipDigits(string s, int pos)
    {
        while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || (s[pos] == '_' && pos + 1 < s.Length && char.IsAsciiDigit(s[pos + 1]))))
        {
            pos++;
        }

        return pos;
    }

    private static int LexString(string s, int pos, List<Token> tokens, ref int line)
    {
        char quote = s[pos];
        int startLine = line;
        var sb = new StringBuilder();
        pos++;
        while (true)
        {
            if (pos >= s.Length)
            {
                throw new TemplateSyntaxException("Unterminated string literal", startLine);
            }

            char c = s[pos];
            if (c == quote)
            {
                pos++;
                break;
            }

            if (c == '\n')
            {
                line++;
            }

            if (c != '\\' || pos + 1 >= s.Length)
            {
                sb.Append(c);
                pos++;
                continue;
            }

            // Python "unicode-escape" decoding, which is what Jinja applies to string literals.
            char e = s[pos + 1];
            pos += 2;
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': line++; break;
                case 'x': pos = AppendHex(s, pos, 2, sb, startLine); break;
                case 'u': pos = AppendHex(s, pos, 4, sb, startLine); break;
                case 'U': pos = AppendHex(s, pos, 8, sb, startLine); break;
                case >= '0' and <= '7':
                    int value = e - '0';
                    for (int k = 0; k < 2 && pos < s.Length && s[pos] is >= '0' and <= '7'; k++, pos++)
                    {
                        value = (value * 8) + (s[pos] - '0');
                    }

                    sb.Append((char)value);
                    break;
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }

        tokens.Add(new Token(TokenKind.String, sb.ToString(), startLine));
        return pos;
    }

    private static int AppendHex(string s, int pos, int digits, StringBuilder sb, int line)
    {
        if (pos + digits > s.Length
            || !int.TryParse(s.AsSpan(pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int cp)
            || cp > 0x10FFFF)
        {
            throw new TemplateSyntaxException("Invalid escape in string literal", line);
        }

        // Python allows lone surrogates in literals; ConvertFromUtf32 does not.
        _ = cp is >= 0xD800 and <= 0xDFFF ? sb.Append((char)cp) : sb.Append(char.ConvertFromUtf32(cp));
        return pos + digits;
    }

    private static int CountNewlines(ReadOnlySpan<char> text) => text.Count('\n');
}
