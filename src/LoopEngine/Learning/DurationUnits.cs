namespace LoopEngine.Learning;

/// <summary>Converts durations to numbers in a metric's unit and back.</summary>
internal static class DurationUnits
{
    public static double UnitSeconds(string unit) => unit.ToUpperInvariant() switch
    {
        "D" or "DAY" or "DAYS" => 86_400,
        "H" or "HOUR" or "HOURS" => 3_600,
        "MIN" or "MINUTE" or "MINUTES" => 60,
        "MS" or "MILLISECOND" or "MILLISECONDS" => 0.001,
        _ => 1,
    };

    public static bool IsTimeUnit(string unit) => unit.ToUpperInvariant() is "D" or "DAY" or "DAYS" or "H" or "HOUR" or "HOURS"
        or "MIN" or "MINUTE" or "MINUTES" or "S" or "SEC" or "SECOND" or "SECONDS" or "MS" or "MILLISECOND" or "MILLISECONDS";

    public static double ToNumber(TimeSpan value, string unit) => value.TotalSeconds / UnitSeconds(unit);

    public static bool TryToTimeSpan(double value, string unit, out TimeSpan span)
    {
        span = default;
        if (!IsTimeUnit(unit))
        {
            return false;
        }

        span = TimeSpan.FromSeconds(value * UnitSeconds(unit));
        return true;
    }
}
