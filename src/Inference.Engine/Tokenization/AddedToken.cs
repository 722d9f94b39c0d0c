namespace Inference.Engine.Tokenization;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: matched in raw text before any model processing.</summary>
/// <param name="Id">Token id.</param>
/// <param name="Content">The literal text of the token.</param>
/// <param name="Special">Whether decode with skip_special_tokens drops it.</param>
/// <param name="LStrip">Whether a match also swallows the whitespace on its left.</param>
/// <param name="RStrip">Whether a match also swallows the whitespace on its right.</param>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip);
