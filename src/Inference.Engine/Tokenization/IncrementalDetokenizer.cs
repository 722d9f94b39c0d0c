using System.Text;

namespace Inference.Engine.Tokenization;

/// <summary>Streams the text of generated ids one token at a time. A piece never ends inside a UTF-8 sequence
/// that later bytes could still complete, so no piece has a broken character; the pieces (every
/// <see cref="Append"/> result followed by <see cref="Flush"/>) joined equal
/// <see cref="ITokenizer.Decode"/> of all ids with the same <c>skipSpecialTokens</c>.</summary>
/// <remarks>Not thread-safe: one instance per generated sequence.</remarks>
public sealed class IncrementalDetokenizer
{
    private readonly ITokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;

    // Bytes not yet emitted: at most the 3-byte start of a sequence between calls; grows only while combining.
    private byte[] _pending = new byte[16];
    private int _pendingLength;

    /// <summary>Creates a detokenizer for one sequence.</summary>
    /// <param name="tokenizer">The tokenizer whose ids will be appended.</param>
    /// <param name="skipSpecialTokens">Whether special tokens produce no text (as Decode with skip).</param>
    public IncrementalDetokenizer(ITokenizer tokenizer, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one id and returns the text that is now complete (often empty while a character is split
    /// across tokens).</summary>
    public string Append(int tokenId)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecialToken(tokenId))
        {
            return string.Empty;
        }

        var bytes = _tokenizer.GetTokenBytes(tokenId);
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (_pendingLength == 0)
        {
            // Common case: nothing held back, decode straight from the tokenizer's bytes.
            var complete = CompleteLength(bytes);
            var text = complete == 0 ? string.Empty : Encoding.UTF8.GetString(bytes[..complete]);
            Hold(bytes[complete..]);
            return text;
        }

        var total = _pendingLength + bytes.Length;
        if (_pending.Length < total)
        {
            Array.Resize(ref _pending, Math.Max(total, _pending.Length * 2));
        }

        bytes.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength = total;
        var all = _pending.AsSpan(0, total);
        var ready = CompleteLength(all);
        if (ready == 0)
        {
            return string.Empty;
        }

        var result = Encoding.UTF8.GetString(all[..ready]);
        all[ready..].CopyTo(_pending);
        _pendingLength = total - ready;
        return result;
    }

    /// <summary>Emits whatever is held back (an unfinished sequence becomes U+FFFD) and resets the detokenizer.</summary>
    public string Flush()
    {
        if (_pendingLength == 0)
        {
            return string.Empty;
        }

        var text = Encoding.UTF8.GetString(_pending, 0, _pendingLength);
        _pendingLength = 0;
        return text;
    }

    /// <summary>The length of the longest prefix that can be decoded now without changing the final text: all of it
    /// unless it ends with the valid start of a multi-byte sequence that later bytes could complete.</summary>
    internal static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        var length = bytes.Length;

        // A sequence is at most 4 bytes, so only the last 3 can be an unfinished start.
        for (var back = 1; back <= 3 && back <= length; back++)
        {
            var b = bytes[length - back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // Continuation byte: look further back for its lead.
            }

            var needed = b switch
            {
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => 0, // ASCII or a byte that can never start a sequence.
            };
            if (needed <= back)
            {
                return length; // Complete, or not a valid start: nothing later can change how it decodes.
            }

            return IsValidPrefix(bytes[(length - back)..]) ? length - back : length;
        }

        return length;
    }

    /// <summary>Whether the bytes after the lead are allowed continuations (the second byte's range depends on the
    /// lead: no overlongs, surrogates or code points past U+10FFFF).</summary>
    private static bool IsValidPrefix(ReadOnlySpan<byte> start)
    {
        if (start.Length < 2)
        {
            return true;
        }

        var (low, high) = start[0] switch
        {
            0xE0 => (0xA0, 0xBF),
            0xED => (0x80, 0x9F),
            0xF0 => (0x90, 0xBF),
            0xF4 => (0x80, 0x8F),
            _ => (0x80, 0xBF),
        };
        if (start[1] < low || start[1] > high)
        {
            return false;
        }

        // Any third byte here is a plain continuation byte (the caller only looks back over 0x80-0xBF bytes).
        return true;
    }

    private void Hold(ReadOnlySpan<byte> tail)
    {
        tail.CopyTo(_pending);
        _pendingLength = tail.Length;
    }
}
