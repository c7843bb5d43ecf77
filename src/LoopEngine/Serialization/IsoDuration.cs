using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LoopEngine;

/// <summary>
/// Strict ISO-8601 durations for the definition format: <c>PnW</c>, or <c>PnDTnHnMnS</c> (seconds may have a
/// fraction). Years and months are rejected, since their length depends on the calendar.
/// </summary>
internal static partial class IsoDuration
{
    public const string Rule = "an ISO-8601 duration such as 'PT24H', 'P5D', 'P1DT12H' or 'PT30M' (weeks, days, hours, minutes, seconds; no years or months)";

    [GeneratedRegex("^P(?:(?<w>[0-9]{1,6})W|(?:(?<d>[0-9]{1,6})D)?(?:T(?=[0-9])(?:(?<h>[0-9]{1,7})H)?(?:(?<m>[0-9]{1,9})M)?(?:(?<s>[0-9]{1,11}(?:\\.[0-9]{1,7})?)S)?)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (text is null || text.Length is < 3 or > 64)
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success || text.EndsWith('T'))
        {
            return false;
        }

        try
        {
            double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) : 0;
            var ticks = (decimal)Part("w") * TimeSpan.TicksPerDay * 7
                + (decimal)Part("d") * TimeSpan.TicksPerDay
                + (decimal)Part("h") * TimeSpan.TicksPerHour
                + (decimal)Part("m") * TimeSpan.TicksPerMinute
                + decimal.Parse(match.Groups["s"].Success ? match.Groups["s"].Value : "0", NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond;
            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }

            value = TimeSpan.FromTicks((long)ticks);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            // Never valid in a definition (the validator says so), but keep the text faithful.
            return "-" + Format(value.Negate());
        }

        var builder = new StringBuilder("P");
        if (value.Days > 0)
        {
            builder.Append(value.Days.ToString(CultureInfo.InvariantCulture)).Append('D');
        }

        var rest = value - TimeSpan.FromDays(value.Days);
        if (rest > TimeSpan.Zero)
        {
            builder.Append('T');
            if (rest.Hours > 0)
            {
                builder.Append(rest.Hours.ToString(CultureInfo.InvariantCulture)).Append('H');
            }

            if (rest.Minutes > 0)
            {
                builder.Append(rest.Minutes.ToString(CultureInfo.InvariantCulture)).Append('M');
            }

            var seconds = rest - new TimeSpan(rest.Hours, rest.Minutes, 0);
            if (seconds > TimeSpan.Zero)
            {
                builder.Append(((decimal)seconds.Ticks / TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return builder.Length == 1 ? "PT0S" : builder.ToString();
    }
}
