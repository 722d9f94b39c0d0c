namespace Inference.Engine.Templates;

internal enum TokenKind
{
    Text,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof,
}

/// <summary>One lexical token; <see cref="Value"/> is the decoded text (string literals already unescaped).</summary>
internal readonly record struct Token(TokenKind Kind, string Value, int Line);
