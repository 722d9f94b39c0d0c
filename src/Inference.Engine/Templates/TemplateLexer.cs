using System.Globalization;
using System.Text;

namespace Inference.Engine.Templates;

/// <summary>What a piece of template source is.</summary>
internal enum SegmentKind
{
    Text,
    Output,
    Statement,
}

/// <summary>A piece of the source: literal text, the inside of <c>{{ }}</c>, or the inside of <c>{% %}</c>.</summary>
internal readonly record struct Segment(SegmentKind Kind, string Content, int Line);

/// <summary>
/// Splits template source into segments, applying Jinja's whitespace rules as transformers configures them:
/// <c>trim_blocks</c> (the newline after a block or comment tag is dropped), <c>lstrip_blocks</c> (spaces and tabs
/// before a block or comment tag at the start of a line are dropped), the <c>-</c> and <c>+</c> modifiers, and
/// <c>keep_trailing_newline=False</c>.
/// </summary>
internal static class TemplateLexer
{
    public static List<Segment> Split(string source)
    {
        if (source.EndsWith('\n'))
        {
            source = source[..^1];
        }

        var segments = new List<Segment>();
        int position = 0;
        bool stripNextWhitespace = false;
        while (position < source.Length)
        {
            int start = FindTagStart(source, position);
            int textEnd = start < 0 ? source.Length : start;
            string text = source[position..textEnd];
            if (stripNextWhitespace)
            {
                text = text.TrimStart();
                stripNextWhitespace = false;
            }

            if (start < 0)
            {
                Add(segments, SegmentKind.Text, text, source, position);
                break;
            }

            char kind = source[start + 1];
            int inner = start + 2;
            char modifier = inner < source.Length ? source[inner] : '\0';
            if (modifier == '-')
            {
                text = text.TrimEnd();
                inner++;
            }
            else if (modifier == '+')
            {
                inner++;
            }
            else if (kind is '%' or '#')
            {
                text = LeftStripBlock(text, source, position);
            }

            Add(segments, SegmentKind.Text, text, source, position);
            int line = LineOf(source, start);
            string close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            int end = kind == '#' ? source.IndexOf(close, inner, StringComparison.Ordinal) : FindClose(source, inner, close);
            if (end < 0)
            {
                throw new TemplateSyntaxException($"line {line}: the tag opened here is never closed with '{close}'.");
            }

            bool stripAfter = end > inner && source[end - 1] == '-';
            string content = source[inner..(stripAfter ? end - 1 : end)];
            position = end + 2;
            if (stripAfter)
            {
                stripNextWhitespace = true;
            }
            else if (kind is '%' or '#' && position < source.Length && source[position] == '\n')
            {
                position++; // trim_blocks
            }

            if (kind == '{')
            {
                segments.Add(new Segment(SegmentKind.Output, content, line));
            }
            else if (kind == '%')
            {
                if (content.Trim() == "raw")
                {
                    position = ReadRaw(source, position, line, segments, out stripNextWhitespace);
                    continue;
                }

                segments.Add(new Segment(SegmentKind.Statement, content, line));
            }
        }

        return segments;
    }

    private static void Add(List<Segment> segments, SegmentKind kind, string text, string source, int position)
    {
        if (text.Length > 0)
        {
            segments.Add(new Segment(kind, text, LineOf(source, position)));
        }
    }

    /// <summary>lstrip_blocks: whitespace between the line's start and the tag goes, if nothing else is there.</summary>
    private static string LeftStripBlock(string text, string source, int textStart)
    {
        int lineStart = text.LastIndexOf('\n') + 1;
        bool atLineStart = lineStart > 0 || textStart == 0 || source[textStart - 1] == '\n';
        if (!atLineStart)
        {
            return text;
        }

        for (int i = lineStart; i < text.Length; i++)
        {
            if (text[i] is not (' ' or '\t'))
            {
                return text;
            }
        }

        return text[..lineStart];
    }

    private static int FindTagStart(string source, int from)
    {
        for (int i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Finds the closing delimiter outside string literals (a string may contain "}}" or "%}").</summary>
    private static int FindClose(string source, int from, string close)
    {
        char quote = '\0';
        for (int i = from; i < source.Length - 1; i++)
        {
            char c = source[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == close[0] && source[i + 1] == close[1])
            {
                return i;
            }
        }

        return -1;
    }

    private static int ReadRaw(string source, int position, int line, List<Segment> segments, out bool stripAfter)
    {
        int search = position;
        while (true)
        {
            int tag = source.IndexOf("{%", search, StringComparison.Ordinal);
            if (tag < 0)
            {
                throw new TemplateSyntaxException($"line {line}: 'raw' is never closed with 'endraw'.");
            }

            int inner = tag + 2 + (tag + 2 < source.Length && source[tag + 2] is '-' or '+' ? 1 : 0);
            int end = source.IndexOf("%}", inner, StringComparison.Ordinal);
            string word = end < 0 ? "" : source[inner..end].Trim('-', ' ', '\t', '\n');
            if (word == "endraw")
            {
                string text = source[position..tag];
                if (source[tag + 2] == '-')
                {
                    text = text.TrimEnd();
                }

                segments.Add(new Segment(SegmentKind.Text, text, line));
                stripAfter = source[end - 1] == '-';
                int next = end + 2;
                return !stripAfter && next < source.Length && source[next] == '\n' ? next + 1 : next;
            }

            search = tag + 2;
        }
    }

    private static int LineOf(string source, int position)
    {
        int line = 1;
        for (int i = 0; i < position && i < source.Length; i++)
        {
            if (source[i] == '\n')
            {
                line++;
            }
        }

        return line;
    }
}

/// <summary>A token of an expression.</summary>
internal enum TokenKind
{
    Name,
    String,
    Integer,
    Float,
    Operator,
    End,
}

internal readonly record struct Token(TokenKind Kind, string Text, object? Value);

/// <summary>Tokenizes the inside of a tag.</summary>
internal static class ExpressionLexer
{
    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "="];

    public static List<Token> Tokenize(string text, int line)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Name, text[start..i], null));
            }
            else if (char.IsAsciiDigit(c))
            {
                int start = i;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                bool isFloat = false;
                if (i + 1 < text.Length && text[i] == '.' && char.IsAsciiDigit(text[i + 1]))
                {
                    isFloat = true;
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    isFloat = true;
                    i++;
                    if (i < text.Length && text[i] is '+' or '-')
                    {
                        i++;
                    }

                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                string number = text[start..i].Replace("_", "", StringComparison.Ordinal);
                tokens.Add(isFloat
                    ? new Token(TokenKind.Float, number, double.Parse(number, CultureInfo.InvariantCulture))
                    : new Token(TokenKind.Integer, number, long.Parse(number, CultureInfo.InvariantCulture)));
            }
            else if (c is '\'' or '"')
            {
                i = ReadString(text, i, line, out string value);
                tokens.Add(new Token(TokenKind.String, value, value));
            }
            else
            {
                string? op = null;
                foreach (string candidate in Operators)
                {
                    if (string.CompareOrdinal(text, i, candidate, 0, candidate.Length) == 0)
                    {
                        op = candidate;
                        break;
                    }
                }

                if (op is null)
                {
                    throw new TemplateSyntaxException($"line {line}: unexpected character '{c}'.");
                }

                tokens.Add(new Token(TokenKind.Operator, op, null));
                i += op.Length;
            }
        }

        tokens.Add(new Token(TokenKind.End, "", null));
        return tokens;
    }

    private static int ReadString(string text, int start, int line, out string value)
    {
        char quote = text[start];
        var builder = new StringBuilder();
        int i = start + 1;
        while (i < text.Length && text[i] != quote)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                char escaped = text[++i];
                switch (escaped)
                {
                    case 'n': builder.Append('\n'); break;
                    case 't': builder.Append('\t'); break;
                    case 'r': builder.Append('\r'); break;
                    case '0': builder.Append('\0'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'u' when i + 4 < text.Length:
                        builder.Append((char)int.Parse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    case 'x' when i + 2 < text.Length:
                        builder.Append((char)int.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    case '\\' or '\'' or '"':
                        builder.Append(escaped);
                        break;
                    default:
                        // Python keeps unknown escapes as written.
                        builder.Append('\\').Append(escaped);
                        break;
                }
            }
            else
            {
                builder.Append(c);
            }

            i++;
        }

        if (i >= text.Length)
        {
            throw new TemplateSyntaxException($"line {line}: a string literal is never closed.");
        }

        value = builder.ToString();
        return i + 1;
    }
}
