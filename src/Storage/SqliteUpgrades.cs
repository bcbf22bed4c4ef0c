using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage;

/// <summary>
/// Columns added since a data directory's database was created (EnsureCreated makes new tables, never new columns),
/// added to an existing SQLite file at start, each once. A stopgap until EF Core migrations take this over (the
/// several-machines issue); each line says what an older row gets.
/// </summary>
internal static class SqliteUpgrades
{
    private static readonly (string Table, string Column, string Definition)[] Columns =
    [
        // Saved specs of the build before owners were everyone's: they stay so, published, with no owner.
        ("SavedSpecs", "OwnerId", "TEXT NULL"),
        ("SavedSpecs", "Published", "INTEGER NOT NULL DEFAULT 1"),
        // Jobs of earlier builds were never retried.
        ("Jobs", "RetriesJson", "TEXT NULL"),
        // Points of earlier builds were all numbers.
        ("MetricPoints", "Text", "TEXT NULL"),
        // Courses of earlier builds were the Japanese course's, none archived; their students enrolled nowhere yet
        // (the gradebook lists them once they hand in; PUT /api/users/{id}/course enrols them), none deactivated.
        ("Courses", "TimeZone", "TEXT NOT NULL DEFAULT 'Asia/Tokyo'"),
        ("Courses", "ArchivedAt", "TEXT NULL"),
        ("Exercises", "ArchivedAt", "TEXT NULL"),
        ("Users", "CourseId", "TEXT NULL"),
        ("Users", "DeactivatedAt", "TEXT NULL"),
        // Automatic gradings of earlier builds had no score; returning one still needs the instructor's.
        ("Submissions", "AutoScore", "REAL NULL"),
    ];

    public static async Task ApplyAsync(DojoDb db, CancellationToken ct)
    {
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        foreach (var (table, column, definition) in Columns)
        {
            await using var check = connection.CreateCommand();
            check.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
            if ((long)(await check.ExecuteScalarAsync(ct))! > 0) continue;
            await using var add = connection.CreateCommand();
            add.CommandText = $"ALTER TABLE \"{table}\" ADD COLUMN \"{column}\" {definition}";
            await add.ExecuteNonQueryAsync(ct);
        }
    }
}
