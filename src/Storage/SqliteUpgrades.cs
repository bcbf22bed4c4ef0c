using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage;

/// <summary>
/// A database made before migrations (by EnsureCreated, which made new tables but never new columns) is brought to
/// the initial migration's schema — the columns and indexes added since, each once; each line says what an older row
/// gets — and recorded as at that migration, so that later migrations apply to it as to any other. Frozen: schema
/// changes from here on are migrations.
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

    private static readonly string[] Indexes = ["CREATE INDEX IF NOT EXISTS \"IX_Users_CourseId\" ON \"Users\" (\"CourseId\")"];

    /// <summary>
    /// Baselines a database from before migrations, in one IMMEDIATE transaction: two processes starting together on
    /// it do it once. A new (empty) database, or one with a migration history, is left to the migrations.
    /// </summary>
    public static async Task BaselineAsync(DojoDb db, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await using var transaction = connection.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: one writer at a time
        if (!await TableExistsAsync(transaction, "Jobs", ct) || await TableExistsAsync(transaction, "__EFMigrationsHistory", ct)) return;
        foreach (var (table, column, definition) in Columns)
        {
            if (await ScalarAsync(transaction, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'", ct) > 0) continue;
            await ExecuteAsync(transaction, $"ALTER TABLE \"{table}\" ADD COLUMN \"{column}\" {definition}", ct);
        }
        foreach (var index in Indexes) await ExecuteAsync(transaction, index, ct);
        await ExecuteAsync(transaction, "CREATE TABLE \"__EFMigrationsHistory\" (\"MigrationId\" TEXT NOT NULL CONSTRAINT \"PK___EFMigrationsHistory\" PRIMARY KEY, \"ProductVersion\" TEXT NOT NULL)", ct);
        string initial = db.Database.GetMigrations().First();
        await ExecuteAsync(transaction, $"INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES ('{initial}', '{typeof(DbContext).Assembly.GetName().Version}')", ct);
        await transaction.CommitAsync(ct);
    }

    private static async Task<bool> TableExistsAsync(SqliteTransaction transaction, string table, CancellationToken ct) =>
        await ScalarAsync(transaction, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'", ct) > 0;

    private static async Task<long> ScalarAsync(SqliteTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(SqliteTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }
}
