using System.Globalization;
using System.Text;

namespace LoopEngine;

/// <summary>
/// An aggregate id pattern such as <c>PO-{yyyy}-{seq:0000}</c>: <c>{yyyy}</c>, <c>{yy}</c>, <c>{MM}</c> and <c>{dd}</c>
/// come from a time (the engine clock's, in UTC), <c>{seq}</c> or <c>{seq:FORMAT}</c> from a durable store sequence
/// (<see cref="ILoopStore.NextSequenceValueAsync"/>) named by the formatted text before <c>{seq}</c> without its trailing
/// separator (<c>PO-2026</c>), so that each year counts from 1 again and every host sharing the store draws distinct
/// values. Immutable and thread-safe.
/// </summary>
public sealed class AggregateIdPattern
{
    private readonly string[] _parts;
    private readonly int _seqPart;

    private AggregateIdPattern(string pattern, string[] parts, int seqPart)
    {
        Pattern = pattern;
        _parts = parts;
        _seqPart = seqPart;
    }

    /// <summary>Gets the pattern text.</summary>
    public string Pattern { get; }

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">The pattern; it must contain <c>{seq}</c> (or <c>{seq:FORMAT}</c>) exactly once.</param>
    /// <returns>The pattern.</returns>
    /// <exception cref="FormatException">An unknown or unclosed placeholder, a bad number format, or not exactly one <c>{seq}</c>.</exception>
    public static AggregateIdPattern Parse(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var parts = new List<string>();
        var literal = new StringBuilder();
        var seqPart = -1;
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
            var isSeq = token == "seq" || token.StartsWith("seq:", StringComparison.Ordinal);
            if (!isSeq && token is not ("yyyy" or "yy" or "MM" or "dd"))
            {
                throw new FormatException($"Aggregate id pattern '{pattern}' has an unknown placeholder '{{{token}}}'; use {{yyyy}}, {{yy}}, {{MM}}, {{dd}}, {{seq}} or {{seq:0000}}.");
            }

            if (isSeq)
            {
                if (seqPart >= 0)
                {
                    throw new FormatException($"Aggregate id pattern '{pattern}' must contain {{seq}} exactly once.");
                }

                if (token.Length > 4 && token.AsSpan(4).ContainsAnyExcept('0', '#'))
                {
                    throw new FormatException($"Aggregate id pattern '{pattern}' has the sequence format '{token[4..]}'; use zeros for padding (for example {{seq:0000}}).");
                }

                seqPart = parts.Count + 1;
            }

            parts.Add("L" + literal);
            literal.Clear();
            parts.Add("P" + token);
            i = end;
        }

        parts.Add("L" + literal);
        if (seqPart < 0)
        {
            throw new FormatException($"Aggregate id pattern '{pattern}' must contain {{seq}} exactly once.");
        }

        return new AggregateIdPattern(pattern, [.. parts], seqPart);
    }

    /// <summary>Gets the name of the durable sequence an id formatted at <paramref name="at"/> draws from: the formatted text before <c>{seq}</c>, without trailing <c>-</c>, <c>_</c>, <c>.</c> or <c>/</c> (<c>PO-2026</c>); the pattern itself when nothing precedes <c>{seq}</c>.</summary>
    /// <param name="at">The time the date placeholders come from.</param>
    /// <returns>The sequence name (seed it with <see cref="ILoopStore.SeedSequenceAsync"/> to start elsewhere than 1).</returns>
    public string GetSequenceName(DateTimeOffset at)
    {
        var builder = new StringBuilder();
        Append(builder, at.UtcDateTime, 0, _seqPart, 0);
        var name = builder.ToString().TrimEnd('-', '_', '.', '/');
        return name.Length == 0 ? Pattern : name;
    }

    /// <summary>Formats an id.</summary>
    /// <param name="at">The time the date placeholders come from (in UTC).</param>
    /// <param name="sequence">The sequence value.</param>
    /// <returns>The id (<c>PO-2026-0012</c>).</returns>
    public string Format(DateTimeOffset at, long sequence)
    {
        var builder = new StringBuilder();
        Append(builder, at.UtcDateTime, 0, _parts.Length, sequence);
        return builder.ToString();
    }

    /// <summary>Takes the next value of the pattern's sequence for <paramref name="at"/> from a store and formats the id.</summary>
    /// <param name="store">The store holding the durable sequence.</param>
    /// <param name="orgId">The org.</param>
    /// <param name="at">The time the date placeholders come from.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The id.</returns>
    public async ValueTask<string> NextAsync(ILoopStore store, string orgId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var value = await store.NextSequenceValueAsync(orgId, GetSequenceName(at), cancellationToken).ConfigureAwait(false);
        return Format(at, value);
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern;

    private void Append(StringBuilder builder, DateTime utc, int from, int to, long sequence)
    {
        for (var p = from; p < to; p++)
        {
            var part = _parts[p];
            var body = part.AsSpan(1);
            if (part[0] == 'L')
            {
                builder.Append(body);
                continue;
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
    }
}
