using System.Text;
using System.Text.RegularExpressions;

namespace Inference.Engine.Tokenization;

/// <summary>Finds added tokens in raw text, as Hugging Face does before normalisation and pre-tokenisation:
/// leftmost match first, longest content first at the same position.</summary>
internal sealed class AddedTokenSplitter
{
    private readonly Regex? _pattern;
    private readonly Dictionary<string, int> _idByContent;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        var list = tokens.Where(t => t.Content.Length > 0).ToList();
        _idByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in list)
        {
            _idByContent[token.Content] = token.Id;
        }

        if (list.Count == 0)
        {
            return;
        }

        // .NET alternation is leftmost-first, so longer contents go first to get leftmost-longest matching.
        var pattern = new StringBuilder();
        foreach (var token in list.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Content, StringComparer.Ordinal))
        {
            if (pattern.Length > 0)
            {
                pattern.Append('|');
            }

            pattern.Append(token.LStrip ? @"\s*" : string.Empty)
                .Append(Regex.Escape(token.Content))
                .Append(token.RStrip ? @"\s*" : string.Empty);
        }

        _pattern = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>Calls <paramref name="onText"/> for each stretch of ordinary text (never empty) and
    /// <paramref name="onToken"/> for each added token, in order.</summary>
    public void Split(string text, Action<string> onText, Action<int> onToken)
    {
        if (_pattern is null)
        {
            if (text.Length > 0)
            {
                onText(text);
            }

            return;
        }

        var position = 0;
        foreach (var match in _pattern.EnumerateMatches(text))
        {
            if (match.Index > position)
            {
                onText(text[position..match.Index]);
            }

            onToken(Lookup(text.AsSpan(match.Index, match.Length)));
            position = match.Index + match.Length;
        }

        if (position < text.Length)
        {
            onText(text[position..]);
        }
    }

    private int Lookup(ReadOnlySpan<char> matched)
    {
        var lookup = _idByContent.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(matched, out var id))
        {
            return id;
        }

        // An lstrip/rstrip token matched together with the whitespace around it.
        return lookup.TryGetValue(matched.Trim(), out id)
            ? id
            : throw new InvalidOperationException("Added-token match without a token.");
    }
}
