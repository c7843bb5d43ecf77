using System.Globalization;
using System.Text;

namespace LoopEngine.Signals;

/// <summary>
/// An aggregate id pattern such as <c>REPLEN-{yyyy}-{seq:0000}</c>: <c>{yyyy}</c>, <c>{yy}</c>, <c>{MM}</c> and <c>{dd}</c>
/// come from a time (the signal's), <c>{seq}</c> or <c>{seq:FORMAT}</c> from a durable sequence (<see cref="ILoopStore.NextSequenceValueAsync"/>) named
/// by <see cref="SequenceNameAt"/> (<c>REPLEN-2026</c>: the text before <c>{seq}</c>, so one sequence per prefix and year). Immutable.
/// </summary>
public sealed class AggregateIdPattern
{
    private readonly string[] _parts;

    private AggregateIdPattern(string pattern, string[] parts)
    {
        Pattern = pattern;
        _parts = parts;
    }

    /// <summary>Gets the pattern text.</summary>
    public string Pattern { get; }

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">The pattern; it must contain <c>{seq}</c> once.</param>
    /// <returns>The pattern.</returns>
    /// <exception cref="FormatException">An unknown or unclosed placeholder, or no <c>{seq}</c>.</exception>
    public static AggregateIdPattern Parse(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var parts = new List<string>();
        var literal = new StringBuilder();
        var seqCount = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '{')
            {
                literal.Append(pattern[i]);
                continue;
            }

            var end = pattern.IndexOf('}', i);
            if (end < 0)
            {
                throw new FormatException($"Aggregate id pattern '{pattern}' has an unclosed '{{' at {i}.");
            }

            var token = pattern[(i + 1)..end];
            if (token is not ("yyyy" or "yy" or "MM" or "dd" or "seq") && !token.StartsWith("seq:", StringComparison.Ordinal))
            {
                throw new FormatException($"Aggregate id pattern '{pattern}' has an unknown placeholder '{{{token}}}'; use {{yyyy}}, {{yy}}, {{MM}}, {{dd}}, {{seq}} or {{seq:0000}}.");
            }

            if (token.StartsWith("seq", StringComparison.Ordinal))
            {
                seqCount++;
            }

            parts.Add("L" + literal);
            literal.Clear();
            parts.Add("P" + token);
            i = end;
        }

        parts.Add("L" + literal);
        if (seqCount != 1)
        {
            throw new FormatException($"Aggregate id pattern '{pattern}' must contain {{seq}} exactly once.");
        }

        return new AggregateIdPattern(pattern, [.. parts]);
    }

    /// <summary>Formats an id.</summary>
    /// <param name="at">The time the date placeholders come from (in UTC).</param>
    /// <param name="sequence">The sequence value.</param>
    /// <returns>The id (<c>REPLEN-2026-0041</c>).</returns>
    public string Format(DateTimeOffset at, long sequence) => Format(at, sequence, stopAtSequence: false);

    /// <summary>Gets the durable sequence's name for a time: the id's text before <c>{seq}</c> without trailing separators (<c>REPLEN-2026</c>), or the pattern itself when it starts with <c>{seq}</c>.</summary>
    /// <param name="at">The time the date placeholders come from.</param>
    /// <returns>The name.</returns>
    public string SequenceNameAt(DateTimeOffset at)
    {
        var prefix = Format(at, 0, stopAtSequence: true).TrimEnd('-', '_', '/', '.', ':', ' ');
        return prefix.Length > 0 ? prefix : Pattern;
    }

    private string Format(DateTimeOffset at, long sequence, bool stopAtSequence)
    {
        var utc = at.UtcDateTime;
        var builder = new StringBuilder();
        foreach (var part in _parts)
        {
            var body = part.AsSpan(1);
            if (part[0] == 'L')
            {
                builder.Append(body);
                continue;
            }

            if (stopAtSequence && body.StartsWith("seq", StringComparison.Ordinal))
            {
                break;
            }

            _ = body switch
            {
                "yyyy" => builder.Append(utc.Year.ToString("D4", CultureInfo.InvariantCulture)),
                "yy" => builder.Append((utc.Year % 100).ToString("D2", CultureInfo.InvariantCulture)),
                "MM" => builder.Append(utc.Month.ToString("D2", CultureInfo.InvariantCulture)),
                "dd" => builder.Append(utc.Day.ToString("D2", CultureInfo.InvariantCulture)),
                "seq" => builder.Append(sequence.ToString(CultureInfo.InvariantCulture)),
                _ => builder.Append(sequence.ToString(part[5..], CultureInfo.InvariantCulture)),
            };
        }

        return builder.ToString();
    }

    /// <summary>Takes the next sequence value from a store and formats the id.</summary>
    /// <param name="store">The store holding the durable sequence.</param>
    /// <param name="orgId">The org.</param>
    /// <param name="at">The time the date placeholders come from.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The id.</returns>
    public async ValueTask<string> NextAsync(ILoopStore store, string orgId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var value = await store.NextSequenceValueAsync(orgId, SequenceNameAt(at), cancellationToken).ConfigureAwait(false);
        return Format(at, value);
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern;
}
