using System.Globalization;
using System.Text;

namespace Inference.Engine.Templates;

/// <summary>Python's <c>strftime</c> for the codes chat templates use (Llama 3's "Today Date").</summary>
internal static class Strftime
{
    public static string Format(DateTime time, string format)
    {
        var culture = CultureInfo.InvariantCulture;
        var builder = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }

            char code = format[++i];
            builder.Append(code switch
            {
                'd' => time.ToString("dd", culture),
                'e' => time.Day.ToString(culture).PadLeft(2),
                'b' or 'h' => time.ToString("MMM", culture),
                'B' => time.ToString("MMMM", culture),
                'm' => time.ToString("MM", culture),
                'y' => time.ToString("yy", culture),
                'Y' => time.Year.ToString(culture),
                'H' => time.ToString("HH", culture),
                'I' => time.ToString("hh", culture),
                'M' => time.ToString("mm", culture),
                'S' => time.ToString("ss", culture),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'a' => time.ToString("ddd", culture),
                'A' => time.ToString("dddd", culture),
                'j' => time.DayOfYear.ToString("000", culture),
                'w' => ((int)time.DayOfWeek).ToString(culture),
                'Z' => "",
                'z' => "",
                '%' => "%",
                _ => "%" + code,
            });
        }

        return builder.ToString();
    }
}
