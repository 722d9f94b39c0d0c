using System.Text;

namespace Inference.Server.Services;

/// <summary>
/// StringBuilders for unary answers' text, reused per thread (as the runtime's own StringBuilderCache does): a new
/// builder grows by new blocks as tokens arrive, several allocations for every short answer. A builder taken and not
/// given back (a failed request) is simply collected.
/// </summary>
internal static class TextBuilders
{
    /// <summary>Builders that grew past this are not kept: a long answer should not pin its buffer to a thread.</summary>
    private const int MaxKeptCapacity = 4096;

    [ThreadStatic]
    private static StringBuilder? t_kept;

    public static StringBuilder Take()
    {
        var builder = t_kept;
        if (builder is null)
        {
            return new StringBuilder(256);
        }

        t_kept = null;
        return builder;
    }

    /// <summary>The text, and the builder kept for the next answer on this thread.</summary>
    public static string ToStringAndGiveBack(StringBuilder builder)
    {
        var text = builder.ToString();
        if (builder.Capacity <= MaxKeptCapacity)
        {
            builder.Clear();
            t_kept = builder;
        }

        return text;
    }
}
