using System.Text;

namespace Inference.Engine.Tokenization;

/// <summary>
/// Turns generated ids into text as they arrive. Bytes of a character split across tokens are held until the
/// character is complete, so no piece ever carries a broken character, and the pieces joined equal
/// <see cref="ITokenizer.Decode"/> of all the ids. One instance per sequence; not thread-safe.
/// </summary>
public sealed class IncrementalDetokenizer(ITokenizer tokenizer, bool skipSpecialTokens = true)
{
    private byte[] _pending = new byte[16];
    private int _count;

    /// <summary>Adds a token; returns the text it completes (often empty while a character is split).</summary>
    public string Append(int tokenId)
    {
        if (skipSpecialTokens && tokenizer.IsSpecialToken(tokenId))
        {
            return "";
        }

        var bytes = tokenizer.GetTokenBytes(tokenId);
        if (_count + bytes.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _count + bytes.Length));
        }

        bytes.CopyTo(_pending.AsSpan(_count));
        _count += bytes.Length;
        int complete = CompletePrefixLength(_pending.AsSpan(0, _count));
        if (complete == 0)
        {
            return "";
        }

        string text = Encoding.UTF8.GetString(_pending, 0, complete);
        _pending.AsSpan(complete, _count - complete).CopyTo(_pending);
        _count -= complete;
        return text;
    }

    /// <summary>Releases what is still held (as U+FFFD if it never became a character).</summary>
    public string Flush()
    {
        string text = _count == 0 ? "" : Encoding.UTF8.GetString(_pending, 0, _count);
        _count = 0;
        return text;
    }

    /// <summary>Length of the prefix that does not end inside a character that later bytes could complete.</summary>
    internal static int CompletePrefixLength(ReadOnlySpan<byte> bytes)
    {
        // Look back at most 3 bytes for the start of the last character.
        for (int back = 1; back <= Math.Min(4, bytes.Length); back++)
        {
            byte b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: keep looking for its lead
            }

            int needed = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? bytes.Length - back : bytes.Length;
        }

        // Only continuation bytes: they cannot start a character; nothing more can fix them.
        return bytes.Length;
    }
}
