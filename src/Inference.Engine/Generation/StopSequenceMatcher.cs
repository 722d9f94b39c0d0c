using System.Text;

namespace Inference.Engine.Generation;

/// <summary>
/// Finds stop sequences in streamed text, across token boundaries. Text that could still be the start of a stop
/// sequence is held back; text before a found stop sequence is released and the stop sequence itself never is.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly string[] _stops;
    private readonly StringBuilder? _held;

    public StopSequenceMatcher(IReadOnlyList<string> stopSequences)
    {
        // Most requests have no stop sequence: they pass text straight through and allocate nothing here.
        if (stopSequences.Count == 0)
        {
            _stops = [];
            return;
        }

        _stops = stopSequences.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        _held = _stops.Length > 0 ? new StringBuilder() : null;
    }

    /// <summary>Whether any stop sequence is configured (when not, text passes straight through).</summary>
    public bool IsActive => _stops.Length > 0;

    /// <summary>
    /// Adds new text. Returns the text that is now safe to emit; <paramref name="stopped"/> tells whether a stop
    /// sequence was found (the returned text then ends just before it, and later text must be dropped).
    /// </summary>
    public string Push(string text, out bool stopped)
    {
        stopped = false;
        if (_held is null)
        {
            return text;
        }

        int searchFrom = Math.Max(0, _held.Length - (MaxStopLength() - 1));
        _held.Append(text);
        string buffer = _held.ToString();

        int earliest = -1;
        foreach (string stop in _stops)
        {
            int at = buffer.IndexOf(stop, searchFrom, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest))
            {
                earliest = at;
            }
        }

        if (earliest >= 0)
        {
            stopped = true;
            _held.Clear();
            return buffer[..earliest];
        }

        int keep = LongestSuffixThatStartsAStop(buffer);
        _held.Clear();
        _held.Append(buffer, buffer.Length - keep, keep);
        return buffer[..^keep];
    }

    /// <summary>Releases what was held back when the sequence ends without a stop sequence.</summary>
    public string Flush()
    {
        if (_held is null)
        {
            return "";
        }

        string rest = _held.ToString();
        _held.Clear();
        return rest;
    }

    private int MaxStopLength()
    {
        int max = 0;
        foreach (string stop in _stops)
        {
            max = Math.Max(max, stop.Length);
        }

        return max;
    }

    private int LongestSuffixThatStartsAStop(string buffer)
    {
        int best = 0;
        foreach (string stop in _stops)
        {
            int longest = Math.Min(stop.Length - 1, buffer.Length);
            for (int length = longest; length > best; length--)
            {
                if (buffer.AsSpan(buffer.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    best = length;
                    break;
                }
            }
        }

        return best;
    }
}
