using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Dojo.Api.Tests;

/// <summary>
/// A database of its own on the PostgreSQL server the tests are given (DOJO_TEST_POSTGRES, else the local one .ci/run
/// starts: role dojo), made before the host starts and dropped after.
/// </summary>
public sealed class PostgresFactory : DojoFactory
{
    public static string PostgresServer => Environment.GetEnvironmentVariable("DOJO_TEST_POSTGRES") is { Length: > 0 } given ? given
        : "Host=127.0.0.1;Username=dojo;Password=dojo";

    private readonly string _database = "dojo_test_" + Guid.NewGuid().ToString("N");

    public string ConnectionString => $"{PostgresServer};Database={_database}";

    protected override IEnumerable<(string Key, string Value)> Settings => [("Dojo:Provider", "postgres"), ("Dojo:ConnectionString", ConnectionString)];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection($"{PostgresServer};Database=postgres");
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}

/// <summary>Dojo on a real PostgreSQL (Dojo:Provider=postgres): the schema by its own migrations, and jobs through the whole path.</summary>
public sealed class PostgresTests(PostgresFactory factory) : IClassFixture<PostgresFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    [Fact]
    public void The_postgresql_model_has_no_change_that_lacks_a_migration()
    {
        using var db = new Dojo.Storage.Postgres.DesignTimeDojoDb().CreateDbContext([]);
        Assert.True(db.Database.IsNpgsql());
        Assert.False(db.Database.HasPendingModelChanges(), "add a PostgreSQL migration too: dotnet ef migrations add <Name> --project src/Storage.Postgres");
    }

    [Fact]
    public async Task A_job_trains_records_every_point_in_order_and_cancels_on_postgresql()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("xor"))).Id);
        Assert.True(job.State == JobState.Succeeded, job.Reason);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.95, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
        var points = await _client.AllMetricsAsync(job.Id, pageSize: 97);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(job.NextSeq - 1, points.Count);

        // The schema came from the PostgreSQL migrations, every one applied.
        await using (var connection = new NpgsqlConnection(factory.ConnectionString))
        {
            await connection.OpenAsync();
            await using var applied = new NpgsqlCommand("SELECT COUNT(*) FROM \"__EFMigrationsHistory\"", connection);
            Assert.Equal(new Dojo.Storage.Postgres.DesignTimeDojoDb().CreateDbContext([]).Database.GetMigrations().Count(), (long)(await applied.ExecuteScalarAsync())!);
        }

        var running = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1)));
        await _client.WaitAsync(running.Id, j => j.CheckpointEpoch >= 1);
        await _client.Http.PostAsync($"/api/jobs/{running.Id}/cancel", null);
        Assert.Equal(JobState.Cancelled, (await _client.WaitFinishedAsync(running.Id)).State);
    }
}
