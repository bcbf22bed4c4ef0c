using Dojo.Api.Tests.Infrastructure;
using Dojo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Tests.EndToEnd;

/// <summary>
/// The schema as EF Core migrations: the model has no change without its migration; a database made by a build from
/// before migrations is brought up with every row intact (by the real <c>migrate</c> command); a stand-alone worker
/// waits for the API's migration instead of making the schema itself.
/// </summary>
public sealed class MigrationTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(DojoProcess.RepositoryRoot(), "tests", "Dojo.Api.Tests", "Fixtures", "previous-build", "dojo.sqlite");
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-migrations", Guid.NewGuid().ToString("N"));
    private readonly List<DojoProcess> _processes = [];

    [Fact]
    public void The_model_has_no_change_that_lacks_a_migration()
    {
        using var db = new DesignTimeDojoDb().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed: add a migration (dotnet tool restore && dotnet ef migrations add <Name> --project src/Storage)");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public async Task A_database_of_the_build_before_migrations_is_migrated_with_every_row_intact()
    {
        Directory.CreateDirectory(_data);
        string file = Path.Combine(_data, "dojo.db");
        File.Copy(Fixture, file);
        var before = Counts(file);
        Assert.True(before["Jobs"] > 0 && before["MetricPoints"] > 0, string.Join(", ", before));

        var migrate = Start(DojoProcess.Command(_data, "migrate"));
        Assert.Equal(0, await migrate.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains("up to date", migrate.Output);

        Assert.Equal(before, Counts(file).Where(c => before.ContainsKey(c.Key)).ToDictionary());
        using var db = new DojoDb(new DbContextOptionsBuilder<DojoDb>().UseSqlite($"Data Source={file}").Options);
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        Assert.Equal(before["Users"], await db.Users.CountAsync()); // the columns added since read back (CourseId, DeactivatedAt)

        // Run again: nothing to do, nothing changes.
        Assert.Equal(0, await Start(DojoProcess.Command(_data, "migrate")).WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Equal(before, Counts(file).Where(c => before.ContainsKey(c.Key)).ToDictionary());
    }

    [Fact]
    public async Task A_worker_started_first_waits_for_the_apis_migration_then_trains()
    {
        var worker = Start(DojoProcess.Worker(_data));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(worker.HasExited, worker.Output);
        string file = Path.Combine(_data, "dojo.db");
        Assert.False(File.Exists(file) && HasTable(file, "Jobs"), "the worker made the schema itself");

        int rest = DojoProcess.FreePort();
        var api = Start(DojoProcess.Api(_data, rest, DojoProcess.FreePort(), inProcessWorker: false));
        await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + rest, TimeSpan.FromSeconds(60));
        var client = new DojoClient(DojoProcess.Client(rest, DojoFactory.InstructorToken));
        var job = await client.WaitFinishedAsync((await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 3)))).Id, TimeSpan.FromSeconds(90));
        Assert.True(job.State == Domain.Jobs.JobState.Succeeded, $"{job.State} {job.Reason}\n{worker.Output}");
    }

    private DojoProcess Start(DojoProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private static Dictionary<string, long> Counts(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__EF%'";
            using var reader = list.ExecuteReader();
            while (reader.Read()) tables.Add(reader.GetString(0));
        }
        return tables.ToDictionary(t => t, t =>
        {
            using var count = connection.CreateCommand();
            count.CommandText = $"SELECT COUNT(*) FROM \"{t}\"";
            return (long)count.ExecuteScalar()!;
        });
    }

    private static bool HasTable(string file, string table)
    {
        using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";
        return (long)command.ExecuteScalar()! > 0;
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
