using System.Globalization;

namespace Dojo.Domain.Exercises;

/// <summary>
/// A course's time zone by its IANA id (Asia/Tokyo, Europe/Berlin, UTC), read from the system's zone database. A
/// machine without one (a slim container image) still knows Japan's: UTC+9 all year, no daylight saving since 1951.
/// </summary>
public static class CourseTimeZone
{
    public const string Japan = "Asia/Tokyo";

    private static readonly TimeZoneInfo JapanFixed =
        TimeZoneInfo.CreateCustomTimeZone(Japan, TimeSpan.FromHours(9), "Japan Standard Time", "JST");

    /// <summary>The zone, or null when the id names none this machine knows.</summary>
    public static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone)) return zone;
        return id == Japan ? JapanFixed : null;
    }

    /// <summary>"2026-12-01 09:00:00" in <paramref name="zone"/> (a sortable local time; the zone is named in the column's header).</summary>
    public static string Format(DateTime utc, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string FormatUtc(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
