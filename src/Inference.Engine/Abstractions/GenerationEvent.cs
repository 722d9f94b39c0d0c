namespace Inference.Engine;

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence token or a stop sequence.</summary>
    Stop,

    /// <summary>The token budget (max tokens or the context) ran out.</summary>
    Length,
}

/// <summary>
/// One step of a sequence: the token it produced and the text that became final with it. Text is held back while
/// it could still be the start of a stop sequence or an incomplete UTF-8 character, so <see cref="TextDelta"/>
/// may be empty; joined, the deltas are the completion text. A struct: every sequence yields one per token, and
/// a reference type made each of them an allocation on the hot path.
/// </summary>
/// <param name="TokenId">The generated token (an EOS token is reported with an empty delta).</param>
/// <param name="TextDelta">Text released by this step.</param>
/// <param name="LogProbs">Log-probabilities, when asked for.</param>
/// <param name="FinishReason">Set on the last event of the sequence.</param>
/// <param name="PromptTokens">Prompt length in tokens.</param>
/// <param name="CompletionTokens">Tokens generated so far, this one included.</param>
public readonly record struct GenerationEvent(
    int TokenId,
    string TextDelta,
    TokenLogProbs? LogProbs,
    FinishReason? FinishReason,
    int PromptTokens,
    int CompletionTokens);

/// <summary>The log-probability of a chosen token and of its most likely alternatives.</summary>
/// <param name="Token">The chosen token.</param>
/// <param name="Top">The most likely tokens at this step, best first.</param>
public sealed record TokenLogProbs(TokenLogProb Token, IReadOnlyList<TokenLogProb> Top);

/// <summary>A token with its text, UTF-8 bytes and log-probability.</summary>
public sealed record TokenLogProb(int TokenId, string Text, byte[] Bytes, float LogProb);
