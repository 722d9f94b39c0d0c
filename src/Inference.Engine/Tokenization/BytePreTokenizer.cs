using System.Text.Json;
using System.Text.RegularExpressions;

namespace Inference.Engine.Tokenization;

/// <summary>The pre-tokeniser of a byte-level BPE tokenizer.json: a <c>ByteLevel</c> step, or a <c>Sequence</c> of
/// <c>Split</c> steps and a <c>ByteLevel</c> step, applied in order to every piece as Hugging Face does.</summary>
internal sealed class BytePreTokenizer
{
    /// <summary>GPT-2's split pattern, which ByteLevel uses when <c>use_regex</c> is true.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(10);

    private readonly List<Step> _steps;

    private BytePreTokenizer(List<Step> steps) => _steps = steps;

    /// <summary>Whether a ByteLevel step was present (the model's vocabulary is then in byte-level form).</summary>
    public bool HasByteLevel => _steps.Any(s => s.Kind == StepKind.ByteLevel);

    public static BytePreTokenizer FromJson(JsonElement preTokenizer, string path)
    {
        var steps = new List<Step>();
        if (preTokenizer.ValueKind is JsonValueKind.Object)
        {
            AddSteps(preTokenizer, steps, path);
        }

        return new BytePreTokenizer(steps);
    }

    /// <summary>Receives one piece of pre-tokenised text, in order.</summary>
    public delegate void PieceHandler<TState>(ReadOnlySpan<char> piece, TState state);

    /// <summary>
    /// Splits one stretch of ordinary text (between added tokens) into the words BPE encodes, handing each piece to
    /// <paramref name="onPiece"/> as it is found. Pieces are slices of the text, each step applied to the pieces of
    /// the one before in turn, so splitting allocates nothing but the copy of a piece that a step prefixes with a
    /// space: this runs over every word of every prompt.
    /// </summary>
    public void Split<TState>(string text, TState state, PieceHandler<TState> onPiece) => SplitFrom(0, text, state, onPiece);

    private void SplitFrom<TState>(int stepIndex, ReadOnlySpan<char> piece, TState state, PieceHandler<TState> onPiece)
    {
        if (stepIndex == _steps.Count)
        {
            onPiece(piece, state);
            return;
        }

        var step = _steps[stepIndex];
        if (step.AddPrefixSpace && (piece.IsEmpty || piece[0] != ' '))
        {
            piece = string.Concat(" ", piece);
        }

        if (step.Pattern is null)
        {
            SplitFrom(stepIndex + 1, piece, state, onPiece);
            return;
        }

        // Hugging Face Split keeps the text between matches as pieces of its own ("Isolated").
        var position = 0;
        foreach (var match in step.Pattern.EnumerateMatches(piece))
        {
            if (match.Length == 0)
            {
                continue;
            }

            if (match.Index > position)
            {
                SplitFrom(stepIndex + 1, piece[position..match.Index], state, onPiece);
            }

            if (!step.RemoveMatches)
            {
                SplitFrom(stepIndex + 1, piece.Slice(match.Index, match.Length), state, onPiece);
            }

            position = match.Index + match.Length;
        }

        if (position < piece.Length)
        {
            SplitFrom(stepIndex + 1, piece[position..], state, onPiece);
        }
    }

    private static void AddSteps(JsonElement element, List<Step> steps, string path)
    {
        var type = TokenizerJson.GetString(element, "type");
        switch (type)
        {
            case "Sequence":
                if (!element.TryGetProperty("pretokenizers", out var list) || list.ValueKind != JsonValueKind.Array)
                {
                    throw new ModelLoadException($"Tokenizer file '{path}': pre_tokenizer Sequence has no 'pretokenizers' array.");
                }

                foreach (var inner in list.EnumerateArray())
                {
                    AddSteps(inner, steps, path);
                }

                break;
            case "ByteLevel":
                var useRegex = TokenizerJson.GetBool(element, "use_regex", fallback: true);
                steps.Add(new Step(
                    StepKind.ByteLevel,
                    useRegex ? new Regex(Gpt2Pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout) : null,
                    TokenizerJson.GetBool(element, "add_prefix_space"),
                    RemoveMatches: false));
                break;
            case "Split":
                steps.Add(ReadSplit(element, path));
                break;
            default:
                throw new ModelLoadException(
                    $"Tokenizer file '{path}': pre_tokenizer type '{type}' is not supported (supported: ByteLevel, Sequence of Split and ByteLevel).");
        }
    }

    private static Step ReadSplit(JsonElement element, string path)
    {
        var pattern = TokenizerJson.GetObject(element, "pattern");
        string regex;
        if (TokenizerJson.GetString(pattern, "Regex") is { } r)
        {
            regex = r;
        }
        else if (TokenizerJson.GetString(pattern, "String") is { } s)
        {
            regex = Regex.Escape(s);
        }
        else
        {
            throw new ModelLoadException($"Tokenizer file '{path}': Split pre_tokenizer has no Regex or String pattern.");
        }

        if (TokenizerJson.GetBool(element, "invert"))
        {
            throw new ModelLoadException($"Tokenizer file '{path}': Split pre_tokenizer with invert=true is not supported.");
        }

        var behavior = TokenizerJson.GetString(element, "behavior") ?? "Isolated";
        if (behavior is not ("Isolated" or "Removed"))
        {
            throw new ModelLoadException($"Tokenizer file '{path}': Split behavior '{behavior}' is not supported (Isolated, Removed).");
        }

        Regex compiled;
        try
        {
            compiled = new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ModelLoadException($"Tokenizer file '{path}': Split pattern cannot be compiled by .NET: {ex.Message}", ex);
        }

        return new Step(StepKind.Split, compiled, AddPrefixSpace: false, RemoveMatches: behavior == "Removed");
    }

    private enum StepKind
    {
        Split,
        ByteLevel,
    }

    private sealed record Step(StepKind Kind, Regex? Pattern, bool AddPrefixSpace, bool RemoveMatches);
}
