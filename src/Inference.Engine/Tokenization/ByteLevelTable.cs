namespace Inference.Engine.Tokenization;

/// <summary>GPT-2's reversible byte-to-character table: byte-level BPE vocabularies spell every byte as a printable
/// character so that tokens are plain strings.</summary>
internal static class ByteLevelTable
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly short[] CharToByteTable = BuildCharToByte(ByteToCharTable);

    /// <summary>The character that stands for the byte.</summary>
    public static char ByteToChar(byte b) => ByteToCharTable[b];

    /// <summary>Maps a table character back to its byte; false for a character outside the table.</summary>
    public static bool TryCharToByte(char c, out byte b)
    {
        if (c < CharToByteTable.Length && CharToByteTable[c] >= 0)
        {
            b = (byte)CharToByteTable[c];
            return true;
        }

        b = 0;
        return false;
    }

    /// <summary>Decodes a byte-level token string to bytes; null when a character is not in the table (Hugging Face
    /// then falls back to the token's own UTF-8, which the caller does).</summary>
    public static byte[]? TryDecodeToken(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            if (!TryCharToByte(token[i], out bytes[i]))
            {
                return null;
            }
        }

        return bytes;
    }

    /// <summary>Encodes bytes into the table's characters (the form byte-level vocabulary keys have).</summary>
    public static string EncodeBytes(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, state) =>
        {
            for (var i = 0; i < state.Length; i++)
            {
                span[i] = ByteToCharTable[state[i]];
            }
        });
    }

    private static char[] BuildByteToChar()
    {
        // Printable Latin-1 bytes keep their own character; the rest are shifted to U+0100 and up, in byte order,
        // exactly as GPT-2's bytes_to_unicode does.
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        var table = new short[512];
        Array.Fill(table, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            table[byteToChar[b]] = (short)b;
        }

        return table;
    }
}
