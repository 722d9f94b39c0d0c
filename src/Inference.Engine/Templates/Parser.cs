using System.Globalization;

namespace Inference.Engine.Templates;

/// <summary>Recursive-descent parser following Jinja's grammar and operator precedence.</summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private int _pos;
    private int _loopDepth;
    private int _nesting;

    // Deep nesting would overflow the stack (which kills the process) while parsing or rendering; real templates
    // nest a few dozen levels at most.
    private const int MaxNesting = 256;

    private Parser(List<Token> tokens) => _tokens = tokens;

    public static Node[] Parse(string source)
    {
        var parser = new Parser(Lexer.Tokenize(source));
        return parser.ParseBody([]);
    }

    private Token Current => _tokens[_pos];

    private Token Next() => _tokens[_pos++];

    private Token Peek(int offset = 1) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];

    private bool IsOp(string op) => Current.Kind == TokenKind.Operator && Current.Value == op;

    private bool IsName(string name) => Current.Kind == TokenKind.Name && Current.Value == name;

    private bool SkipOp(string op)
    {
        if (!IsOp(op))
        {
            return false;
        }

        _pos++;
        return true;
    }

    private bool SkipName(string name)
    {
        if (!IsName(name))
        {
            return false;
        }

        _pos++;
        return true;
    }

    private TemplateSyntaxException Error(string message) => new(message, Current.Line);

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.Eof => "end of template",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.String => "string",
        TokenKind.Integer or TokenKind.Float => $"number {t.Value}",
        _ => $"'{t.Value}'",
    };

    private void ExpectOp(string op)
    {
        if (!SkipOp(op))
        {
            throw Error($"Expected '{op}', got {Describe(Current)}");
        }
    }

    private void Expect(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            throw Error($"Expected {Describe(new Token(kind, "", 0))}, got {Describe(Current)}");
        }

        _pos++;
    }

    private string ExpectName()
    {
        if (Current.Kind != TokenKind.Name)
        {
            throw Error($"Expected a name, got {Describe(Current)}");
        }

        return Next().Value;
    }

    private void ExpectEndTag(string name)
    {
        if (!SkipName(name))
        {
            throw Error($"Expected '{name}', got {Describe(Current)}");
        }

        Expect(TokenKind.BlockEnd);
    }

    /// <summary>Parses nodes until one of <paramref name="endTags"/> opens a block; stops on its name.</summary>
    private Node[] ParseBody(string[] endTags)
    {
        var body = new List<Node>();
        while (true)
        {
            Token t = Current;
            switch (t.Kind)
            {
                case TokenKind.Text:
                    _pos++;
                    body.Add(new TextNode(t.Line, t.Value));
                    break;
                case TokenKind.VariableBegin:
                    _pos++;
                    body.Add(new OutputNode(t.Line, ParseTuple(true)));
                    Expect(TokenKind.VariableEnd);
                    break;
                case TokenKind.BlockBegin:
                    _pos++;
                    if (Current.Kind == TokenKind.Name && Array.IndexOf(endTags, Current.Value) >= 0)
                    {
                        return [.. body];
                    }

                    body.Add(ParseStatement());
                    break;
                case TokenKind.Eof:
                    if (endTags.Length > 0)
                    {
                        throw Error($"Unexpected end of template. Jinja was looking for: {string.Join(", ", endTags)}");
                    }

                    return [.. body];
                default:
                    throw Error($"Unexpected {Describe(t)}");
            }
        }
    }

    private Node ParseStatement()
    {
        Enter();
        try
        {
            return ParseStatementCore();
        }
        finally
        {
            _nesting--;
        }
    }

    private void Enter()
    {
        if (++_nesting > MaxNesting)
        {
            throw Error("Template nests too deeply");
        }
    }

    private Node ParseStatementCore()
    {
        Token t = Current;
        if (t.Kind != TokenKind.Name)
        {
            throw Error("Tag name expected");
        }

        _pos++;
        switch (t.Value)
        {
            case "for": return ParseFor(t.Line);
            case "if": return ParseIf(t.Line);
            case "set": return ParseSet(t.Line);
            case "macro": return ParseMacro(t.Line);
            case "call": return ParseCallBlock(t.Line);
            case "filter":
                FilterExpr[] filters = ParseFilterChain();
                Expect(TokenKind.BlockEnd);
                Node[] filterBody = ParseBody(["endfilter"]);
                ExpectEndTag("endfilter");
                return new FilterBlockNode(t.Line, filters, filterBody);
            case "generation":
                Expect(TokenKind.BlockEnd);
                Node[] generation = ParseBody(["endgeneration"]);
                ExpectEndTag("endgeneration");
                return new SequenceNode(t.Line, generation);
            case "break" or "continue":
                if (_loopDepth == 0)
                {
                    throw new TemplateSyntaxException($"'{t.Value}' outside of a loop", t.Line);
                }

                Expect(TokenKind.BlockEnd);
                return new LoopControlNode(t.Line, t.Value == "break");
            default:
                throw new TemplateSyntaxException($"Encountered unknown tag '{t.Value}'", t.Line);
        }
    }

    private string[] ParseTargets()
    {
        bool parens = SkipOp("(");
        var names = new List<string> { ExpectName() };
        while (SkipOp(","))
        {
            if (Current.Kind != TokenKind.Name || IsName("in"))
            {
                break;
            }

            names.Add(ExpectName());
        }

        if (parens)
        {
            ExpectOp(")");
        }

        return [.. names];
    }

    private ForNode ParseFor(int line)
    {
        string[] targets = ParseTargets();
        if (!SkipName("in"))
        {
            throw Error($"Expected 'in', got {Describe(Current)}");
        }

        Expr iterable = ParseTuple(false);
        Expr? filter = SkipName("if") ? ParseExpression(true) : null;
        bool recursive = SkipName("recursive");
        Expect(TokenKind.BlockEnd);
        _loopDepth++;
        Node[] body = ParseBody(["endfor", "else"]);
        _loopDepth--;
        Node[]? elseBody = null;
        if (SkipName("else"))
        {
            Expect(TokenKind.BlockEnd);
            elseBody = ParseBody(["endfor"]);
        }

        ExpectEndTag("endfor");
        return new ForNode(line, targets, iterable, filter, body, elseBody, recursive);
    }

    private IfNode ParseIf(int line)
    {
        var branches = new List<(Expr, Node[])>();
        Node[]? elseBody = null;
        while (true)
        {
            Expr condition = ParseTuple(true);
            Expect(TokenKind.BlockEnd);
            Node[] body = ParseBody(["elif", "else", "endif"]);
            branches.Add((condition, body));
            if (SkipName("elif"))
            {
                continue;
            }

            if (SkipName("else"))
            {
                Expect(TokenKind.BlockEnd);
                elseBody = ParseBody(["endif"]);
            }

            ExpectEndTag("endif");
            return new IfNode(line, [.. branches], elseBody);
        }
    }

    private Node ParseSet(int line)
    {
        string[] targets;
        string? attribute = null;
        string first = ExpectName();
        if (SkipOp("."))
        {
            targets = [first];
            attribute = ExpectName();
        }
        else if (IsOp(","))
        {
            var names = new List<string> { first };
            while (SkipOp(","))
            {
                names.Add(ExpectName());
            }

            targets = [.. names];
        }
        else
        {
            targets = [first];
        }

        if (SkipOp("="))
        {
            Expr value = ParseTuple(true);
            Expect(TokenKind.BlockEnd);
            return new SetNode(line, targets, attribute, value);
        }

        if (targets.Length != 1)
        {
            throw Error("Block assignment needs a single target");
        }

        FilterExpr[] filters = IsOp("|") ? ParseFilterChain() : [];
        Expect(TokenKind.BlockEnd);
        Node[] body = ParseBody(["endset"]);
        ExpectEndTag("endset");
        return new SetBlockNode(line, targets[0], attribute, filters, body);
    }

    private (string, Expr?)[] ParseParameters()
    {
        var parameters = new List<(string, Expr?)>();
        ExpectOp("(");
        while (!IsOp(")"))
        {
            if (parameters.Count > 0)
            {
                ExpectOp(",");
                if (IsOp(")"))
                {
                    break;
                }
            }

            string name = ExpectName();
            Expr? defaultValue = SkipOp("=") ? ParseExpression(true) : null;
            parameters.Add((name, defaultValue));
        }

        ExpectOp(")");
        return [.. parameters];
    }

    private MacroNode ParseMacro(int line)
    {
        string name = ExpectName();
        (string, Expr?)[] parameters = ParseParameters();
        Expect(TokenKind.BlockEnd);
        int savedDepth = _loopDepth;
        _loopDepth = 0;
        Node[] body = ParseBody(["endmacro"]);
        _loopDepth = savedDepth;
        ExpectEndTag("endmacro");
        return new MacroNode(line, name, parameters, body);
    }

    private CallBlockNode ParseCallBlock(int line)
    {
        (string, Expr?)[] parameters = IsOp("(") ? ParseParameters() : [];
        if (ParseExpression(true) is not CallExpr call)
        {
            throw new TemplateSyntaxException("Expected a call in the call block", line);
        }

        Expect(TokenKind.BlockEnd);
        int savedDepth = _loopDepth;
        _loopDepth = 0;
        Node[] body = ParseBody(["endcall"]);
        _loopDepth = savedDepth;
        ExpectEndTag("endcall");
        return new CallBlockNode(line, call, parameters, body);
    }

    private FilterExpr[] ParseFilterChain()
    {
        var filters = new List<FilterExpr>();
        do
        {
            filters.Add(ParseFilter(null));
        }
        while (SkipOp("|"));
        return [.. filters];
    }

    // ---- expressions -------------------------------------------------------------------------------

    private Expr ParseTuple(bool withCondExpr)
    {
        int line = Current.Line;
        Expr first = ParseExpression(withCondExpr);
        if (!IsOp(","))
        {
            return first;
        }

        var items = new List<Expr> { first };
        while (SkipOp(","))
        {
            if (IsTupleEnd())
            {
                break;
            }

            items.Add(ParseExpression(withCondExpr));
        }

        return new ListExpr(line, [.. items], true);
    }

    private bool IsTupleEnd() =>
        Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd or TokenKind.Eof
        || IsOp(")") || IsOp("]") || IsOp("=") || IsName("if") || IsName("recursive");

    private Expr ParseExpression(bool withCondExpr)
    {
        Enter();
        try
        {
            return ParseExpressionCore(withCondExpr);
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr ParseExpressionCore(bool withCondExpr)
    {
        if (!withCondExpr)
        {
            return ParseOr();
        }

        int line = Current.Line;
        Expr expr = ParseOr();
        while (SkipName("if"))
        {
            Expr condition = ParseOr();
            Expr? otherwise = SkipName("else") ? ParseExpression(true) : null;
            expr = new CondExpr(line, condition, expr, otherwise);
        }

        return expr;
    }

    private Expr ParseOr()
    {
        int depth = _nesting;
        Expr left = ParseAnd();
        while (IsName("or"))
        {
            Enter();
            int line = Next().Line;
            left = new BinaryExpr(line, "or", left, ParseAnd());
        }

        _nesting = depth;
        return left;
    }

    private Expr ParseAnd()
    {
        int depth = _nesting;
        Expr left = ParseNot();
        while (IsName("and"))
        {
            Enter();
            int line = Next().Line;
            left = new BinaryExpr(line, "and", left, ParseNot());
        }

        _nesting = depth;
        return left;
    }

    private Expr ParseNot()
    {
        if (IsName("not"))
        {
            int line = Next().Line;
            Enter();
            Expr operand = ParseNot();
            _nesting--;
            return new UnaryExpr(line, "not", operand);
        }

        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        int line = Current.Line;
        Expr first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            if (Current.Kind == TokenKind.Operator && Current.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                string op = Next().Value;
                rest.Add((op, ParseMath1()));
            }
            else if (SkipName("in"))
            {
                rest.Add(("in", ParseMath1()));
            }
            else if (IsName("not") && Peek().Kind == TokenKind.Name && Peek().Value == "in")
            {
                _pos += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpr(line, first, [.. rest]);
    }

    private Expr ParseMath1()
    {
        int depth = _nesting;
        Expr left = ParseConcat();
        while (IsOp("+") || IsOp("-"))
        {
            Enter();
            Token op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, ParseConcat());
        }

        _nesting = depth;
        return left;
    }

    private Expr ParseConcat()
    {
        int depth = _nesting;
        Expr left = ParseMath2();
        while (IsOp("~"))
        {
            Enter();
            int line = Next().Line;
            left = new BinaryExpr(line, "~", left, ParseMath2());
        }

        _nesting = depth;
        return left;
    }

    private Expr ParseMath2()
    {
        int depth = _nesting;
        Expr left = ParsePow();
        while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%"))
        {
            Enter();
            Token op = Next();
            left = new BinaryExpr(op.Line, op.Value, left, ParsePow());
        }

        _nesting = depth;
        return left;
    }

    private Expr ParsePow()
    {
        int depth = _nesting;
        Expr left = ParseUnary(true);
        while (IsOp("**"))
        {
            Enter();
            int line = Next().Line;
            left = new BinaryExpr(line, "**", left, ParseUnary(true));
        }

        _nesting = depth;
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        Enter();
        try
        {
            return ParseUnaryCore(withFilter);
        }
        finally
        {
            _nesting--;
        }
    }

    private Expr ParseUnaryCore(bool withFilter)
    {
        int line = Current.Line;
        Expr node;
        if (SkipOp("-"))
        {
            node = new UnaryExpr(line, "-", ParseUnary(false));
        }
        else if (SkipOp("+"))
        {
            node = new UnaryExpr(line, "+", ParseUnary(false));
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilter ? ParseFilterExpr(node) : node;
    }

    private Expr ParsePrimary()
    {
        Token t = Next();
        switch (t.Kind)
        {
            case TokenKind.Name:
                return t.Value switch
                {
                    "true" or "True" => new ConstExpr(t.Line, true),
                    "false" or "False" => new ConstExpr(t.Line, false),
                    "none" or "None" => new ConstExpr(t.Line, null),
                    _ => new NameExpr(t.Line, t.Value),
                };
            case TokenKind.String:
                string value = t.Value;
                while (Current.Kind == TokenKind.String)
                {
                    value += Next().Value;
                }

                return new ConstExpr(t.Line, value);
            case TokenKind.Integer:
                return long.TryParse(t.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long l)
                    ? new ConstExpr(t.Line, l)
                    : throw new TemplateSyntaxException($"Integer literal {t.Value} is too large", t.Line);
            case TokenKind.Float:
                return new ConstExpr(t.Line, double.Parse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TokenKind.Operator when t.Value == "(":
                if (SkipOp(")"))
                {
                    return new ListExpr(t.Line, [], true);
                }

                Expr inner = ParseTuple(true);
                ExpectOp(")");
                return inner;
            case TokenKind.Operator when t.Value == "[":
                var items = new List<Expr>();
                while (!IsOp("]"))
                {
                    if (items.Count > 0)
                    {
                        ExpectOp(",");
                        if (IsOp("]"))
                        {
                            break;
                        }
                    }

                    items.Add(ParseExpression(true));
                }

                ExpectOp("]");
                return new ListExpr(t.Line, [.. items], false);
            case TokenKind.Operator when t.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!IsOp("}"))
                {
                    if (pairs.Count > 0)
                    {
                        ExpectOp(",");
                        if (IsOp("}"))
                        {
                            break;
                        }
                    }

                    Expr key = ParseExpression(true);
                    ExpectOp(":");
                    pairs.Add((key, ParseExpression(true)));
                }

                ExpectOp("}");
                return new DictExpr(t.Line, [.. pairs]);
            default:
                _pos--;
                throw Error($"Unexpected {Describe(t)}");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        int depth = _nesting;
        while (true)
        {
            Enter();
            if (IsOp(".") || IsOp("["))
            {
                node = ParseSubscript(node);
            }
            else if (IsOp("("))
            {
                node = new CallExpr(Current.Line, node, ParseArgs());
            }
            else
            {
                _nesting = depth;
                return node;
            }
        }
    }

    private Expr ParseFilterExpr(Expr node)
    {
        int depth = _nesting;
        while (true)
        {
            Enter();
            if (IsOp("|"))
            {
                _pos++;
                node = ParseFilter(node);
            }
            else if (IsName("is"))
            {
                _pos++;
                node = ParseTest(node);
            }
            else if (IsOp("("))
            {
                node = new CallExpr(Current.Line, node, ParseArgs());
            }
            else
            {
                _nesting = depth;
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        Token t = Next();
        if (t.Value == ".")
        {
            Token attr = Next();
            return attr.Kind switch
            {
                TokenKind.Name => new GetAttrExpr(t.Line, node, attr.Value),
                TokenKind.Integer => new GetItemExpr(t.Line, node, new ConstExpr(t.Line, long.Parse(attr.Value, CultureInfo.InvariantCulture))),
                _ => throw new TemplateSyntaxException($"Expected name or number after '.', got {Describe(attr)}", attr.Line),
            };
        }

        Expr? start = null;
        if (!IsOp(":"))
        {
            start = ParseExpression(true);
            if (!IsOp(":"))
            {
                ExpectOp("]");
                return new GetItemExpr(t.Line, node, start);
            }
        }

        _pos++;
        Expr? stop = IsOp("]") || IsOp(":") ? null : ParseExpression(true);
        Expr? step = null;
        if (SkipOp(":") && !IsOp("]"))
        {
            step = ParseExpression(true);
        }

        ExpectOp("]");
        return new SliceExpr(t.Line, node, start, stop, step);
    }

    private ArgList ParseArgs()
    {
        ExpectOp("(");
        var positional = new List<Expr>();
        var named = new List<(string, Expr)>();
        bool first = true;
        while (!IsOp(")"))
        {
            if (!first)
            {
                ExpectOp(",");
                if (IsOp(")"))
                {
                    break;
                }
            }

            first = false;
            if (Current.Kind == TokenKind.Name && Peek().Kind == TokenKind.Operator && Peek().Value == "=")
            {
                string name = Next().Value;
                _pos++;
                named.Add((name, ParseExpression(true)));
            }
            else
            {
                if (named.Count > 0)
                {
                    throw Error("Positional argument follows keyword argument");
                }

                positional.Add(ParseExpression(true));
            }
        }

        ExpectOp(")");
        return new ArgList([.. positional], [.. named]);
    }

    private FilterExpr ParseFilter(Expr? value)
    {
        int line = Current.Line;
        string name = ExpectName();
        while (SkipOp("."))
        {
            name += "." + ExpectName();
        }

        if (!Filters.Exists(name))
        {
            throw new TemplateSyntaxException($"No filter named '{name}'", line);
        }

        ArgList args = IsOp("(") ? ParseArgs() : ArgList.Empty;
        return new FilterExpr(line, value, name, args);
    }

    private TestExpr ParseTest(Expr value)
    {
        int line = Current.Line;
        bool negated = SkipName("not");
        string name = ExpectName();
        while (SkipOp("."))
        {
            name += "." + ExpectName();
        }

        if (!Tests.Exists(name))
        {
            throw new TemplateSyntaxException($"No test named '{name}'", line);
        }

        ArgList args = ArgList.Empty;
        if (IsOp("("))
        {
            args = ParseArgs();
        }
        else if ((Current.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float || IsOp("[") || IsOp("{"))
                 && !IsName("else") && !IsName("or") && !IsName("and"))
        {
            Expr arg = ParsePostfix(ParsePrimary());
            args = new ArgList([arg], []);
        }

        return new TestExpr(line, value, name, args, negated);
    }
}
