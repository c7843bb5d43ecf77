using System.Globalization;

namespace LoopEngine.Signals;

/// <summary>Parses the small feature expression syntax (see <see cref="FeatureDefinition.Parse"/>).</summary>
internal static class FeatureExpressionParser
{
    public static FeatureDefinition Parse(string name, string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var text = expression.Trim();
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.IndexOf(')', StringComparison.Ordinal);
        if (open <= 0 || close < open)
        {
            throw Fail(expression, "expected FUNCTION(ARGUMENT), such as sum(sale_recorded.qty) over 1h");
        }

        var function = text[..open].Trim().ToLowerInvariant();
        var argument = text[(open + 1)..close].Trim();
        var rest = text[(close + 1)..].Trim();
        IReadOnlyList<string>? groupBy = null;
        var byIndex = FindWord(rest, "by");
        if (byIndex >= 0)
        {
            var keys = rest[(byIndex + 2)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (keys.Length is 0 or > SubjectKey.MaxKeys)
            {
                throw Fail(expression, $"'by' needs 1 to {SubjectKey.MaxKeys} keys separated by commas");
            }

            groupBy = keys;
            rest = rest[..byIndex].Trim();
        }

        if (argument.Length == 0)
        {
            throw Fail(expression, "the argument is empty");
        }

        if (function == "ref")
        {
            if (rest.Length > 0)
            {
                throw Fail(expression, $"unexpected '{rest}' after ref(...)");
            }

            return FeatureDefinition.Reference(name, argument) with { GroupBy = groupBy };
        }

        var dot = argument.IndexOf('.', StringComparison.Ordinal);
        var eventType = dot < 0 ? argument : argument[..dot];
        var field = dot < 0 ? null : argument[(dot + 1)..];
        if (eventType.Length == 0 || field is { Length: 0 })
        {
            throw Fail(expression, "the argument must be EVENT.FIELD");
        }

        if (rest.Length == 0)
        {
            if (function != "last" || field is null)
            {
                throw Fail(expression, $"'{function}' needs a window: {function}({argument}) over 1h");
            }

            return FeatureDefinition.Latest(name, eventType, field) with { GroupBy = groupBy };
        }

        var aggregate = function switch
        {
            "count" => WindowAggregate.Count,
            "sum" => WindowAggregate.Sum,
            "avg" or "average" => WindowAggregate.Average,
            "min" => WindowAggregate.Min,
            "max" => WindowAggregate.Max,
            "last" => WindowAggregate.Last,
            "rate" => WindowAggregate.RateOfChange,
            _ => throw Fail(expression, $"unknown function '{function}'; expected count, sum, avg, min, max, last, rate or ref"),
        };
        if (aggregate != WindowAggregate.Count && field is null)
        {
            throw Fail(expression, $"'{function}' needs a field: {function}({eventType}.FIELD)");
        }

        var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || words[0] != "over")
        {
            throw Fail(expression, $"expected 'over DURATION' after the function, found '{rest}'");
        }

        var window = ParseDuration(words[1], expression);
        var feature = FeatureDefinition.Windowed(name, aggregate, eventType, field, window) with { GroupBy = groupBy };
        if (words.Length == 2)
        {
            return feature;
        }

        if (words.Length == 3 && words[2] == "tumbling")
        {
            return feature with { WindowKind = WindowKind.Tumbling };
        }

        if (words.Length == 4 && words[2] == "every")
        {
            return feature.Every(ParseDuration(words[3], expression));
        }

        throw Fail(expression, $"expected 'tumbling', 'every DURATION' or 'by KEYS' after the window, found '{string.Join(' ', words[2..])}'");
    }

    public static TimeSpan ParseDuration(string text, string expression)
    {
        var i = 0;
        while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
        {
            i++;
        }

        if (i == 0 || !double.TryParse(text.AsSpan(0, i), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            throw Fail(expression, $"'{text}' is not a duration such as 90s, 5m, 1h or 7d");
        }

        return text[i..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            "d" => TimeSpan.FromDays(amount),
            _ => throw Fail(expression, $"'{text}' has an unknown unit; use ms, s, m, h or d"),
        };
    }

    private static int FindWord(string text, string word)
    {
        var words = text.Split(' ');
        var position = 0;
        foreach (var w in words)
        {
            if (w == word)
            {
                return position;
            }

            position += w.Length + 1;
        }

        return -1;
    }

    private static FormatException Fail(string expression, string why) => new($"Feature expression '{expression}' is invalid: {why}.");
}
