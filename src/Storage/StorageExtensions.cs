using Dojo.Storage.Artifacts;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dojo.Storage;

public static class StorageExtensions
{
    /// <summary>Dojo's database (SQLite under the data directory by default), the job store and artifact paths.</summary>
    public static IHostApplicationBuilder AddDojoStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<DojoOptions>(builder.Configuration.GetSection(DojoOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        // Options are read when the container is built, so test hosts can still override them.
        builder.Services.AddPooledDbContextFactory<DojoDb>((services, db) => Configure(db, services.GetRequiredService<IOptions<DojoOptions>>().Value));
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<IArtifactStore>(services =>
        {
            var options = services.GetRequiredService<IOptions<DojoOptions>>().Value;
            return options.Artifacts.InDatabase
                ? new DatabaseArtifactStore(services.GetRequiredService<IDbContextFactory<DojoDb>>(), Path.Combine(options.FullDataDirectory, "cache"),
                    options.Artifacts.ChunkBytes, services.GetRequiredService<TimeProvider>())
                : new FileArtifactStore(options.FullDataDirectory);
        });
        builder.Services.AddSingleton<JobFiles>();
        builder.Services.AddSingleton<JobEvents>();
        builder.Services.AddSingleton<ContentStore>();
        // Runs before any other hosted service (registration order), so the schema exists before a worker starts.
        builder.Services.AddHostedService<DatabaseInitializer>();
        return builder;
    }

    /// <summary>
    /// The provider the options name: SQLite (migrations in this assembly) or PostgreSQL (its own migrations, in
    /// Dojo.Storage.Postgres: the two differ in column types, so each provider has its own set).
    /// </summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder db, DojoOptions options)
    {
        if (!options.IsPostgres) return db.UseSqlite(options.ResolvedConnectionString);
        if (options.Database.ConnectionString is null)
            throw new InvalidOperationException("Dojo:Database:Provider is postgres: give Dojo:Database:ConnectionString (Host=…;Database=…;Username=…;Password=…)");
        return db.UseNpgsql(options.ResolvedConnectionString, npgsql => npgsql.MigrationsAssembly("Dojo.Storage.Postgres"));
    }

    /// <summary>
    /// Hangfire, as a client only (enqueueing); the serving side is added by the worker. On SQLite its own file, and the
    /// worker takes the lock that keeps a second Hangfire server off it; on PostgreSQL the same database as Dojo's
    /// tables (schema <c>hangfire</c>), where any number of servers share the queue: long polling (LISTEN/NOTIFY) on
    /// both sides and a sliding invisibility timeout, so a job a live server holds is never handed to another.
    /// </summary>
    public static IHostApplicationBuilder AddDojoHangfireClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHangfire((services, config) =>
        {
            var options = services.GetRequiredService<IOptions<DojoOptions>>().Value;
            config.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                .UseSimpleAssemblyNameTypeSerializer()
                .UseRecommendedSerializerSettings();
            if (options.IsPostgres)
            {
                // Hangfire.PostgreSql prepares its schema in its constructor, retrying for half a minute while the
                // database is missing: make the database first (the tables stay the migrations' job).
                DatabaseSchema.EnsureDatabase(options);
                using var setup = DbLocks.HoldForSetup(options);
                config.UsePostgreSqlStorage(postgres => postgres.UseNpgsqlConnection(options.ResolvedConnectionString), new PostgreSqlStorageOptions
                {
                    QueuePollInterval = TimeSpan.FromMilliseconds(options.QueuePollMilliseconds),
                    EnableLongPolling = true,
                    UseSlidingInvisibilityTimeout = true,
                    InvisibilityTimeout = TimeSpan.FromSeconds(options.QueueInvisibilitySeconds),
                    DistributedLockTimeout = TimeSpan.FromSeconds(options.QueueLockTimeoutSeconds),
                    PrepareSchemaIfNecessary = true,
                });
                return;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(options.ResolvedHangfireDatabase)!);
            config.UseSQLiteStorage(options.ResolvedHangfireDatabase, new SQLiteStorageOptions
            {
                QueuePollInterval = TimeSpan.FromMilliseconds(options.QueuePollMilliseconds),
            });
        });
        return builder;
    }

    private sealed class DatabaseInitializer(IDbContextFactory<DojoDb> contexts, IOptions<DojoOptions> options, IArtifactStore artifacts) : IHostedService
    {
        public async Task StartAsync(CancellationToken ct)
        {
            Directory.CreateDirectory(options.Value.FullDataDirectory);
            await using (var db = await contexts.CreateDbContextAsync(ct))
                if (db.Database.IsSqlite())
                {
                    // WAL lets the API read while a worker writes; it is a property of the file, set once.
                    await db.Database.OpenConnectionAsync(ct);
                    var connection = (SqliteConnection)db.Database.GetDbConnection();
                    await using var pragma = connection.CreateCommand();
                    pragma.CommandText = "PRAGMA journal_mode=WAL;";
                    await pragma.ExecuteNonQueryAsync(ct);
                }
            if (options.Value.ApplyMigrations) await DatabaseSchema.MigrateAsync(contexts, options.Value, ct);
            else await DatabaseSchema.WaitAsync(contexts, TimeSpan.FromMinutes(5), ct);
            // Artifacts whose writer died mid-way (an hour is far longer than any write takes).
            if (artifacts is DatabaseArtifactStore inDatabase) await inDatabase.RemoveAbandonedAsync(TimeSpan.FromHours(1), ct);
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
