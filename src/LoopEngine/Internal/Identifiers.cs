using System.Text.RegularExpressions;

namespace LoopEngine;

/// <summary>Validation of every identifier the engine accepts.</summary>
internal static partial class Identifiers
{
    /// <summary>The largest opaque id (aggregate, org, correlation, causation, idempotency key) accepted, in characters.</summary>
    public const int MaxOpaqueIdLength = 200;

    public const string LoopIdRule = "a loop id is 'domain.name' in lowercase letters, digits and underscores, each part starting with a letter (for example 'scm.replenishment')";
    public const string StateIdRule = "a state id is upper snake case: uppercase letters, digits and underscores, starting with a letter (for example 'PO_CONFIRMED')";
    public const string TransitionIdRule = "a transition id is lower snake case: lowercase letters, digits and underscores, starting with a letter (for example 'confirm_po'); ids starting with '$' are reserved for the engine";
    public const string GuardIdRule = "a guard id is lower snake case: lowercase letters, digits and underscores, starting with a letter (for example 'approval_obtained')";
    public const string OpaqueIdRule = "an id is 1 to 200 characters with no control characters";

    [GeneratedRegex("^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LoopIdPattern();

    [GeneratedRegex("^[A-Z][A-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex StateIdPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SnakeIdPattern();

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();

    public static bool IsLoopId(string? value) => value is { Length: > 0 and <= 128 } && LoopIdPattern().IsMatch(value);

    public static bool IsDomain(string? value) => value is { Length: > 0 and <= 64 } && DomainPattern().IsMatch(value);

    public static bool IsStateId(string? value) => value is { Length: > 0 and <= 128 } && StateIdPattern().IsMatch(value);

    public static bool IsTransitionId(string? value) => value is { Length: > 0 and <= 128 } && SnakeIdPattern().IsMatch(value);

    public static bool IsGuardId(string? value) => value is { Length: > 0 and <= 128 } && SnakeIdPattern().IsMatch(value);

    public static bool IsMetricId(string? value) => value is { Length: > 0 and <= 128 } && SnakeIdPattern().IsMatch(value);

    public static bool IsOpaqueId(string? value)
    {
        if (value is null || value.Length is 0 or > MaxOpaqueIdLength)
        {
            return false;
        }

        foreach (var ch in value)
        {
            if (char.IsControl(ch) || char.IsSurrogate(ch) && !IsWellFormedSurrogates(value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsWellFormedSurrogates(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    public static void ValidateLoopId(string? value, string paramName)
    {
        if (!IsLoopId(value))
        {
            throw new ArgumentException($"Loop id '{value}' is not valid: {LoopIdRule}.", paramName);
        }
    }

    public static void ValidateOpaqueId(string? value, string what, string paramName)
    {
        if (!IsOpaqueId(value))
        {
            throw new ArgumentException($"{what} '{Printable(value)}' is not valid: {OpaqueIdRule}.", paramName);
        }
    }

    public static void ValidateActorId(string? value, string paramName)
    {
        if (value is null || value.Length is 0 or > Actor.MaxIdLength || !IsOpaqueId(value.Length <= MaxOpaqueIdLength ? value : value[..MaxOpaqueIdLength]))
        {
            throw new ArgumentException($"Actor id '{Printable(value)}' is not valid: an actor id is 1 to {Actor.MaxIdLength} characters with no control characters.", paramName);
        }
    }

    /// <summary>Renders a value for an error message: control characters escaped, long values shortened.</summary>
    public static string Printable(string? value)
    {
        if (value is null)
        {
            return "(null)";
        }

        var shown = value.Length > 80 ? value[..80] + "…" : value;
        var builder = new System.Text.StringBuilder(shown.Length);
        foreach (var ch in shown)
        {
            if (char.IsControl(ch))
            {
                builder.Append("\\u").Append(((int)ch).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(ch);
            }
        }

        return builder.ToString();
    }
}
