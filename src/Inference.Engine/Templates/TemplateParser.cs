namespace Inference.Engine.Templates;

/// <summary>Builds the node tree from lexed segments: statements by recursive descent over block tags, expressions
/// with Jinja's precedence (conditional, or, and, not, comparisons, + -, ~, * / // %, **, unary, postfix, filters
/// and tests).</summary>
internal sealed class TemplateParser
{
    private readonly List<Segment> _segments;
    private int _index;

    private TemplateParser(List<Segment> segments) => _segments = segments;

    public static IReadOnlyList<Node> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Split(source));
        var body = parser.ParseBody(out string? end, out _);
        if (end is not null)
        {
            throw new TemplateSyntaxException($"line {parser.Line}: unexpected '{end}'.");
        }

        return body;
    }

    private int Line => _index < _segments.Count ? _segments[_index].Line : _segments.Count > 0 ? _segments[^1].Line : 1;

    /// <summary>Parses nodes until a block tag that this body does not own (endfor, else, ...), which is returned.</summary>
    private List<Node> ParseBody(out string? terminator, out ExpressionReader? terminatorReader, params string[] terminators)
    {
        var nodes = new List<Node>();
        while (_index < _segments.Count)
        {
            var segment = _segments[_index];
            switch (segment.Kind)
            {
                case SegmentKind.Text:
                    nodes.Add(new TextNode(segment.Content, segment.Line));
                    _index++;
                    break;
                case SegmentKind.Output:
                    var output = new ExpressionReader(segment.Content, segment.Line);
                    nodes.Add(new OutputNode(output.ParseExpression(), segment.Line));
                    output.ExpectEnd();
                    _index++;
                    break;
                default:
                    var reader = new ExpressionReader(segment.Content, segment.Line);
                    string keyword = reader.ExpectName();
                    if (terminators.Contains(keyword))
                    {
                        _index++;
                        terminator = keyword;
                        terminatorReader = reader;
                        return nodes;
                    }

                    if (keyword.StartsWith("end", StringComparison.Ordinal) || keyword is "else" or "elif")
                    {
                        throw new TemplateSyntaxException($"line {segment.Line}: unexpected '{keyword}'.");
                    }

                    _index++;
                    nodes.Add(ParseStatement(keyword, reader, segment.Line));
                    break;
            }
        }

        if (terminators.Length > 0)
        {
            throw new TemplateSyntaxException($"line {Line}: the template ended where '{string.Join("' or '", terminators)}' was expected.");
        }

        terminator = null;
        terminatorReader = null;
        return nodes;
    }

    private Node ParseStatement(string keyword, ExpressionReader reader, int line)
    {
        switch (keyword)
        {
            case "if":
            {
                var branches = new List<(Expr, IReadOnlyList<Node>)>();
                var condition = reader.ParseExpression();
                reader.ExpectEnd();
                while (true)
                {
                    var body = ParseBody(out string? end, out var endReader, "elif", "else", "endif");
                    branches.Add((condition, body));
                    if (end == "elif")
                    {
                        condition = endReader!.ParseExpression();
                        endReader.ExpectEnd();
                        continue;
                    }

                    IReadOnlyList<Node>? elseBody = null;
                    if (end == "else")
                    {
                        elseBody = ParseBody(out _, out _, "endif");
                    }

                    return new IfNode(branches, elseBody, line);
                }
            }

            case "for":
            {
                var targets = new List<string> { reader.ExpectName() };
                while (reader.Accept(","))
                {
                    targets.Add(reader.ExpectName());
                }

                reader.ExpectKeyword("in");
                var iterable = reader.ParseExpression(allowConditional: false);
                Expr? filter = reader.AcceptKeyword("if") ? reader.ParseExpression(allowConditional: false) : null;
                reader.AcceptKeyword("recursive");
                reader.ExpectEnd();
                var body = ParseBody(out string? end, out _, "else", "endfor");
                var elseBody = end == "else" ? ParseBody(out _, out _, "endfor") : null;
                return new ForNode(targets, iterable, filter, body, elseBody, line);
            }

            case "set":
            {
                var targets = new List<string> { reader.ExpectName() };
                string? attribute = null;
                if (reader.Accept("."))
                {
                    attribute = reader.ExpectName();
                }

                while (reader.Accept(","))
                {
                    targets.Add(reader.ExpectName());
                }

                if (!reader.Accept("="))
                {
                    reader.ExpectEnd();
                    var body = ParseBody(out _, out _, "endset");
                    return new SetBlockNode(targets[0], body, line);
                }

                var value = reader.ParseTuple();
                reader.ExpectEnd();
                return new SetNode(targets, attribute, value, line);
            }

            case "macro":
            {
                string name = reader.ExpectName();
                var parameters = new List<(string, Expr?)>();
                reader.Expect("(");
                while (!reader.Accept(")"))
                {
                    string parameter = reader.ExpectName();
                    Expr? defaultValue = reader.Accept("=") ? reader.ParseExpression() : null;
                    parameters.Add((parameter, defaultValue));
                    if (!reader.Accept(","))
                    {
                        reader.Expect(")");
                        break;
                    }
                }

                reader.ExpectEnd();
                return new MacroNode(name, parameters, ParseBody(out _, out _, "endmacro"), line);
            }

            case "generation":
                reader.ExpectEnd();
                return new BlockNode(ParseBody(out _, out _, "endgeneration"), line);

            case "filter":
            {
                string name = reader.ExpectName();
                var arguments = new List<Expr>();
                if (reader.Accept("("))
                {
                    while (!reader.Accept(")"))
                    {
                        arguments.Add(reader.ParseExpression());
                        reader.Accept(",");
                    }
                }

                reader.ExpectEnd();
                return new FilterBlockNode(name, arguments, ParseBody(out _, out _, "endfilter"), line);
            }

            case "break" or "continue":
                reader.ExpectEnd();
                return new LoopControlNode(keyword == "break", line);

            case "do":
            {
                var value = reader.ParseTuple();
                reader.ExpectEnd();
                return new ExpressionStatementNode(value, line);
            }

            default:
                throw new TemplateSyntaxException($"line {line}: unknown tag '{keyword}'.");
        }
    }
}

/// <summary>Parses the expression inside one tag.</summary>
internal sealed class ExpressionReader(string text, int line)
{
    private readonly List<Token> _tokens = ExpressionLexer.Tokenize(text, line);
    private int _position;

    private Token Current => _tokens[_position];

    public bool Accept(string op)
    {
        if (Current.Kind == TokenKind.Operator && Current.Text == op)
        {
            _position++;
            return true;
        }

        return false;
    }

    public void Expect(string op)
    {
        if (!Accept(op))
        {
            throw Error($"expected '{op}'");
        }
    }

    public bool AcceptKeyword(string keyword)
    {
        if (Current.Kind == TokenKind.Name && Current.Text == keyword)
        {
            _position++;
            return true;
        }

        return false;
    }

    public void ExpectKeyword(string keyword)
    {
        if (!AcceptKeyword(keyword))
        {
            throw Error($"expected '{keyword}'");
        }
    }

    public string ExpectName()
    {
        if (Current.Kind != TokenKind.Name)
        {
            throw Error("expected a name");
        }

        return _tokens[_position++].Text;
    }

    public void ExpectEnd()
    {
        if (Current.Kind != TokenKind.End)
        {
            throw Error("unexpected text");
        }
    }

    private TemplateSyntaxException Error(string what) =>
        new($"line {line}: {what} at '{(Current.Kind == TokenKind.End ? "end of tag" : Current.Text)}' in '{text.Trim()}'.");

    /// <summary>An expression, or several separated by commas (a tuple, as in <c>set a, b = 1, 2</c>).</summary>
    public Expr ParseTuple()
    {
        var first = ParseExpression();
        if (Current.Kind != TokenKind.Operator || Current.Text != ",")
        {
            return first;
        }

        var items = new List<Expr> { first };
        while (Accept(","))
        {
            if (Current.Kind == TokenKind.End)
            {
                break;
            }

            items.Add(ParseExpression());
        }

        return new ListExpr(items, line);
    }

    public Expr ParseExpression(bool allowConditional = true)
    {
        var value = ParseOr();
        if (allowConditional && AcceptKeyword("if"))
        {
            var condition = ParseOr();
            Expr? otherwise = AcceptKeyword("else") ? ParseExpression() : null;
            return new ConditionalExpr(condition, value, otherwise, line);
        }

        return value;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (AcceptKeyword("or"))
        {
            left = new BinaryExpr("or", left, ParseAnd(), line);
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (AcceptKeyword("and"))
        {
            left = new BinaryExpr("and", left, ParseNot(), line);
        }

        return left;
    }

    private Expr ParseNot() => AcceptKeyword("not") ? new UnaryExpr("not", ParseNot(), line) : ParseCompare();

    private Expr ParseCompare()
    {
        var first = ParseAdditive();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && Current.Text is "==" or "!=" or "<" or ">" or "<=" or ">=")
            {
                string op = _tokens[_position++].Text;
                rest.Add((op, ParseAdditive()));
            }
            else if (AcceptKeyword("in"))
            {
                rest.Add(("in", ParseAdditive()));
            }
            else if (Current.Kind == TokenKind.Name && Current.Text == "not" && _tokens[_position + 1] is { Kind: TokenKind.Name, Text: "in" })
            {
                _position += 2;
                rest.Add(("not in", ParseAdditive()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpr(first, rest, line);
    }

    private Expr ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Text is "+" or "-")
        {
            string op = _tokens[_position++].Text;
            left = new BinaryExpr(op, left, ParseConcat(), line);
        }

        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Accept("~"))
        {
            left = new BinaryExpr("~", left, ParseMultiplicative(), line);
        }

        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            string op = _tokens[_position++].Text;
            left = new BinaryExpr(op, left, ParsePower(), line);
        }

        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary();
        while (Accept("**"))
        {
            left = new BinaryExpr("**", left, ParseUnary(), line);
        }

        return left;
    }

    private Expr ParseUnary()
    {
        if (Accept("-"))
        {
            return ParseFilters(new UnaryExpr("-", ParseUnary(), line));
        }

        if (Accept("+"))
        {
            return ParseUnary();
        }

        return ParseFilters(ParsePostfix(ParsePrimary()));
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.String:
                _position++;
                string value = (string)token.Value!;
                // Adjacent string literals concatenate, as in Python.
                while (Current.Kind == TokenKind.String)
                {
                    value += (string)_tokens[_position++].Value!;
                }

                return new LiteralExpr(value, line);
            case TokenKind.Integer or TokenKind.Float:
                _position++;
                return new LiteralExpr(token.Value, line);
            case TokenKind.Name:
                _position++;
                return token.Text switch
                {
                    "true" or "True" => new LiteralExpr(true, line),
                    "false" or "False" => new LiteralExpr(false, line),
                    "none" or "None" => new LiteralExpr(null, line),
                    _ => new NameExpr(token.Text, line),
                };
            case TokenKind.Operator when token.Text == "(":
            {
                _position++;
                if (Accept(")"))
                {
                    return new ListExpr([], line);
                }

                var inner = ParseTuple();
                Expect(")");
                return inner;
            }

            case TokenKind.Operator when token.Text == "[":
            {
                _position++;
                var items = new List<Expr>();
                while (!Accept("]"))
                {
                    items.Add(ParseExpression());
                    if (!Accept(","))
                    {
                        Expect("]");
                        break;
                    }
                }

                return new ListExpr(items, line);
            }

            case TokenKind.Operator when token.Text == "{":
            {
                _position++;
                var items = new List<(Expr, Expr)>();
                while (!Accept("}"))
                {
                    var key = ParseExpression();
                    Expect(":");
                    items.Add((key, ParseExpression()));
                    if (!Accept(","))
                    {
                        Expect("}");
                        break;
                    }
                }

                return new DictExpr(items, line);
            }

            default:
                throw Error("expected a value");
        }
    }

    private Expr ParsePostfix(Expr target)
    {
        while (true)
        {
            if (Accept("."))
            {
                if (Current.Kind == TokenKind.Integer)
                {
                    target = new ItemExpr(target, new LiteralExpr(_tokens[_position++].Value, line), line);
                    continue;
                }

                target = new AttributeExpr(target, ExpectName(), line);
            }
            else if (Accept("["))
            {
                target = ParseSubscript(target);
            }
            else if (Accept("("))
            {
                var (arguments, keywords) = ParseArguments();
                target = new CallExpr(target, arguments, keywords, line);
            }
            else
            {
                return target;
            }
        }
    }

    private Expr ParseSubscript(Expr target)
    {
        Expr? start = null;
        if (!(Current.Kind == TokenKind.Operator && Current.Text == ":"))
        {
            start = ParseExpression();
            if (Accept("]"))
            {
                return new ItemExpr(target, start, line);
            }
        }

        Expect(":");
        Expr? stop = Current.Kind == TokenKind.Operator && Current.Text is "]" or ":" ? null : ParseExpression();
        Expr? step = null;
        if (Accept(":") && !(Current.Kind == TokenKind.Operator && Current.Text == "]"))
        {
            step = ParseExpression();
        }

        Expect("]");
        return new SliceExpr(target, start, stop, step, line);
    }

    private (List<Expr> Arguments, List<(string, Expr)> Keywords) ParseArguments()
    {
        var arguments = new List<Expr>();
        var keywords = new List<(string, Expr)>();
        while (!Accept(")"))
        {
            if (Current.Kind == TokenKind.Name && _tokens[_position + 1] is { Kind: TokenKind.Operator, Text: "=" })
            {
                string name = ExpectName();
                Expect("=");
                keywords.Add((name, ParseExpression()));
            }
            else
            {
                arguments.Add(ParseExpression());
            }

            if (!Accept(","))
            {
                Expect(")");
                break;
            }
        }

        return (arguments, keywords);
    }

    private Expr ParseFilters(Expr target)
    {
        while (true)
        {
            if (Accept("|"))
            {
                string name = ExpectName();
                var arguments = new List<Expr>();
                var keywords = new List<(string, Expr)>();
                if (Accept("("))
                {
                    (arguments, keywords) = ParseArguments();
                }

                target = new FilterExpr(target, name, arguments, keywords, line);
            }
            else if (AcceptKeyword("is"))
            {
                bool negated = AcceptKeyword("not");
                string name = Current.Kind == TokenKind.Name ? ExpectName() : Current.Kind == TokenKind.Operator && Current.Text is "==" or "!=" or "<" or ">" or "<=" or ">=" ? _tokens[_position++].Text : throw Error("expected a test name");
                var arguments = new List<Expr>();
                if (Accept("("))
                {
                    (arguments, _) = ParseArguments();
                }
                else if (Current.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
                    || (Current.Kind == TokenKind.Name && Current.Text is not ("and" or "or" or "else" or "if" or "not" or "in")))
                {
                    // A single argument without parentheses: `x is divisibleby 3`, `x is equalto y`.
                    arguments.Add(ParsePostfix(ParsePrimary()));
                }

                target = new TestExpr(target, name, arguments, negated, line);
            }
            else
            {
                return target;
            }
        }
    }
}
