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

    /// <summary>Splits one stretch of ordinary text (between added tokens) into the words BPE encodes.</summary>
    public List<string> Split(string text)
    {
        var pieces = new List<string> { text };
        foreach (var step in _steps)
        {
            var next = new List<string>(pieces.Count * 2);
            foreach (var piece in pieces)
            {
                step.Apply(piece, next);
            }

            pieces = next;
        }

        return pieces;
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

    private sealed record Step(StepKind Kind, Regex? Pattern, bool AddPrefixSpace, bool RemoveMatches)
    {
        public void Apply(string piece, List<string> output)
        {
            if (AddPrefixSpace && !piece.StartsWith(' '))
            {
                piece = " " + piece;
            }

            if (Pattern is null)
            {
                output.Add(piece);
                return;
            }

            // Hugging Face Split keeps the text between matches as pieces of its own ("Isolated").
            var position = 0;
            foreach (var match in Pattern.EnumerateMatches(piece))
            {
                if (match.Length == 0)
                {
                    continue;
                }

                if (match.Index > position)
                {
                    output.Add(piece[position..match.Index]);
                }

                if (!RemoveMatches)
                {
                    output.Add(piece.Substring(match.Index, match.Length));
                }

                position = match.Index + match.Length;
            }

            if (position < piece.Length)
            {
                output.Add(piece[position..]);
            }
        }
    }
}
