namespace Dojo.Storage;

/// <summary>Where Dojo keeps its data (section <c>Dojo</c>).</summary>
public sealed class DojoOptions
{
    public const string Section = "Dojo";

    /// <summary>Root of the SQLite files and job artifacts (checkpoints, weights). Relative paths are against the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Dojo's database (section <c>Dojo:Database</c>): SQLite under the data directory, or PostgreSQL.</summary>
    public DatabaseOptions Database { get; set; } = new();

    public bool IsPostgres => Database.IsPostgres;

    /// <summary>Where checkpoints, weights, pictures, uploads and report files are kept (section <c>Dojo:Artifacts</c>).</summary>
    public ArtifactOptions Artifacts { get; set; } = new();

    /// <summary>Hangfire's SQLite file; default <c>{DataDirectory}/hangfire.db</c>.</summary>
    public string? HangfireDatabase { get; set; }

    /// <summary>How often a Hangfire server polls its queues, in milliseconds (Hangfire's own default is 15 s).</summary>
    public int QueuePollMilliseconds { get; set; } = 50;

    /// <summary>
    /// On PostgreSQL: how long a job message fetched by a Hangfire server that then died stays hidden before another server
    /// may fetch it (live servers keep theirs hidden by renewing it every fifth of this). Hangfire.PostgreSql's own default,
    /// 30 minutes, left a job whose worker was killed between fetching and claiming it queued for half an hour.
    /// </summary>
    public int QueueInvisibilitySeconds { get; set; } = 60;

    /// <summary>
    /// On PostgreSQL: how old a Hangfire lock (a job's state lock, a poller's) must be before another server may take it.
    /// The library's default, 10 minutes, held up a job whose state lock was taken by a worker SIGKILLed at that moment.
    /// Hangfire holds these locks for milliseconds.
    /// </summary>
    public int QueueLockTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Whether this process brings the database's schema up to date at start (the API does, and <c>migrate</c>); a
    /// stand-alone worker waits for it instead of racing the API (<see cref="DatabaseSchema"/>).
    /// </summary>
    public bool ApplyMigrations { get; set; } = true;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
    /// <summary>
    /// The connection string Dojo opens: SQLite's file under the data directory by default; on PostgreSQL the configured
    /// one with <see cref="DatabaseOptions.MaxPoolSize"/> as its pool's size unless it sets one itself.
    /// </summary>
    public string ResolvedConnectionString => Database.ConnectionString is not { } given ? $"Data Source={Path.Combine(FullDataDirectory, "dojo.db")}"
        : !IsPostgres || given.Contains("pool size", StringComparison.OrdinalIgnoreCase) || given.Contains("maxpoolsize", StringComparison.OrdinalIgnoreCase) ? given
        : new Npgsql.NpgsqlConnectionStringBuilder(given) { MaxPoolSize = Database.MaxPoolSize }.ConnectionString;

    /// <summary>
    /// PostgreSQL: a connection of its own, outside the pool, for session state — a LISTEN, a session advisory lock — that
    /// must end when the connection closes (a pooled one would keep it until the pool next hands the connection out).
    /// </summary>
    public string DedicatedConnectionString => new Npgsql.NpgsqlConnectionStringBuilder(ResolvedConnectionString) { Pooling = false }.ConnectionString;
    public string ResolvedHangfireDatabase => HangfireDatabase ?? Path.Combine(FullDataDirectory, "hangfire.db");
}

/// <summary>Which database Dojo's rows (and, on PostgreSQL, Hangfire's queue) live in.</summary>
public sealed class DatabaseOptions
{
    /// <summary><c>sqlite</c> (embedded, the default) or <c>postgres</c> (<see cref="ConnectionString"/> names the database).</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>EF Core connection string; default: SQLite file <c>{DataDirectory}/dojo.db</c>. Required for PostgreSQL.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// PostgreSQL: the most connections one process opens (Npgsql's default is 100, so two APIs under a hundred watchers
    /// ran PostgreSQL out of its 100 slots). Keep processes × this under the server's <c>max_connections</c>; requests
    /// beyond it wait for a connection.
    /// </summary>
    public int MaxPoolSize { get; set; } = 16;
}

/// <summary>Where artifacts live (<see cref="Dojo.Storage.Artifacts.IArtifactStore"/>).</summary>
public sealed class ArtifactOptions
{
    /// <summary><c>files</c> (under the data directory, the default) or <c>database</c> (for hosts that share no disk).</summary>
    public string Store { get; set; } = "files";

    /// <summary>The size of one stored piece of an artifact in the database.</summary>
    public int ChunkBytes { get; set; } = 1 << 20;

    public bool InDatabase => string.Equals(Store, "database", StringComparison.OrdinalIgnoreCase);
}
