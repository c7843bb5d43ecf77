using System.Globalization;
using System.Text;

namespace LoopEngine;

/// <summary>Opaque keyset continuation tokens shared by the stores: (time, id) of the last item on a page.</summary>
internal static class PageTokens
{
    public static string Encode(DateTimeOffset time, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(time.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + id));

    public static (DateTimeOffset Time, string Id) Decode(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            var ticks = long.Parse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture);
            return (new DateTimeOffset(ticks, TimeSpan.Zero), text[(bar + 1)..]);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            throw new ArgumentException($"Continuation token '{Identifiers.Printable(token)}' is not valid: pass the token returned with the previous page, or null for the first page.", nameof(token), ex);
        }
    }

    /// <summary>Whether (time, id) comes after the token's (time, id) in (time, id) order.</summary>
    public static bool IsAfter(DateTimeOffset time, string id, (DateTimeOffset Time, string Id) token) =>
        time.UtcTicks > token.Time.UtcTicks || (time.UtcTicks == token.Time.UtcTicks && string.CompareOrdinal(id, token.Id) > 0);

    public static void ValidatePageSize(int pageSize)
    {
        if (pageSize is < 1 or > InstanceQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, $"Page size {pageSize} is outside the valid range 1 to {InstanceQuery.MaxPageSize}.");
        }
    }

    /// <summary>Makes a page from up to <paramref name="pageSize"/> + 1 items: the extra item only says another page exists.</summary>
    public static Page<T> ToPage<T>(List<T> items, int pageSize, Func<T, string> token)
    {
        if (items.Count <= pageSize)
        {
            return new Page<T>(items, null);
        }

        items.RemoveAt(items.Count - 1);
        return new Page<T>(items, token(items[^1]));
    }
}
