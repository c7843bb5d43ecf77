namespace LoopEngine;

/// <summary>
/// A <see cref="DateTimeOffset"/> as clock ticks and offset minutes, for records that keep many times: a
/// <see cref="DateTimeOffset"/> field is padded to 16 bytes (a nullable one to 24), while a <see langword="long"/> and a
/// <see langword="short"/> placed among other fields take 10. Reads back exactly, offset included.
/// </summary>
internal static class PackedTime
{
    /// <summary>An offset no <see cref="DateTimeOffset"/> has: marks a nullable time as null.</summary>
    public const short NoTime = short.MinValue;

    /// <summary>Splits a time into its clock ticks and its offset in minutes (whole, within ±14 hours: it fits a short).</summary>
    public static (long Ticks, short OffsetMinutes) Pack(DateTimeOffset value) => (value.Ticks, (short)(value.Offset.Ticks / TimeSpan.TicksPerMinute));

    /// <summary>Splits a nullable time; <see langword="null"/> packs as <see cref="NoTime"/>.</summary>
    public static (long Ticks, short OffsetMinutes) Pack(DateTimeOffset? value) => value is { } time ? Pack(time) : (0, NoTime);

    /// <summary>The time of packed clock ticks and offset minutes.</summary>
    public static DateTimeOffset Unpack(long ticks, short offsetMinutes) => new(ticks, TimeSpan.FromMinutes(offsetMinutes));

    /// <summary>The nullable time of packed clock ticks and offset minutes (<see cref="NoTime"/> reads as <see langword="null"/>).</summary>
    public static DateTimeOffset? UnpackNullable(long ticks, short offsetMinutes) => offsetMinutes == NoTime ? null : Unpack(ticks, offsetMinutes);
}
