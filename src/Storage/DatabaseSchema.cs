using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dojo.Storage;

/// <summary>
/// Dojo's schema is EF Core migrations (<c>src/Storage/Migrations</c>; add one with
/// <c>dotnet tool restore && dotnet ef migrations add &lt;Name&gt; --project src/Storage</c>). The API applies them at
/// start (so does <c>dotnet Dojo.Api.dll migrate</c>, for deployments that separate the step); a stand-alone worker
/// waits until none is pending. A database made by a build from before migrations (tables by EnsureCreated, no
/// history) is first brought to the initial migration's schema and recorded as at it (<see cref="SqliteUpgrades"/>).
/// </summary>
public static class DatabaseSchema
{
    public static async Task MigrateAsync(IDbContextFactory<DojoDb> contexts, DojoOptions options, CancellationToken ct)
    {
        EnsureDatabase(options);
        using var setup = DbLocks.HoldForSetup(options);
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (db.Database.IsSqlite()) await SqliteUpgrades.BaselineAsync(db, ct);
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>
    /// Makes an empty PostgreSQL database where the connection string names one that does not exist yet (whichever process
    /// starts first; another making it at the same moment is no error). SQLite makes its file on first open.
    /// </summary>
    public static void EnsureDatabase(DojoOptions options)
    {
        if (!options.IsPostgres) return;
        // A context of its own, without the app's loggers: a missing database is the expected case, not an error to log.
        var builder = new DbContextOptionsBuilder<DojoDb>();
        StorageExtensions.Configure(builder, options);
        using var db = new DojoDb(builder.Options);
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (creator.Exists()) return;
        try
        {
            creator.Create();
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState is Npgsql.PostgresErrorCodes.DuplicateDatabase or Npgsql.PostgresErrorCodes.UniqueViolation)
        {
            // made by another process in the meantime
        }
    }

    /// <summary>Waits until the database exists with no migration pending (another process applies them).</summary>
    public static async Task WaitAsync(IDbContextFactory<DojoDb> contexts, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = await contexts.CreateDbContextAsync(ct))
            {
                try
                {
                    if ((await db.Database.GetAppliedMigrationsAsync(ct)).Count() == db.Database.GetMigrations().Count()) return;
                }
                catch (Exception ex) when (ex is SqliteException or Npgsql.PostgresException or Npgsql.NpgsqlException)
                {
                    // no history table (or database) yet: the API has not got that far
                }
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the database schema was not brought up to date within {timeout.TotalMinutes:0} minutes; start the API (or run `migrate`) first");
            await Task.Delay(500, ct);
        }
    }
}
