using System.Net;
using System.Net.Http.Json;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Dojo.Domain.Jobs;
using Microsoft.EntityFrameworkCore;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>
/// A database of its own on the PostgreSQL server the tests are given (DOJO_TEST_POSTGRES, else the local one .ci/run
/// starts: role dojo), made by the host and dropped after; artifacts in it too (the configuration for hosts without a
/// shared disk).
/// </summary>
public sealed class PostgresFactory : DojoFactory
{
    public static string PostgresServer => Environment.GetEnvironmentVariable("DOJO_TEST_POSTGRES") is { Length: > 0 } given ? given
        : "Host=127.0.0.1;Username=dojo;Password=dojo";

    private readonly string _database = "dojo_test_" + Guid.NewGuid().ToString("N");

    public string ConnectionString => $"{PostgresServer};Database={_database}";

    protected override IEnumerable<(string Key, string Value)> Settings => [("Dojo:Database:Provider", "postgres"), ("Dojo:Database:ConnectionString", ConnectionString), ("Dojo:Artifacts:Store", "database")];

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Drop(_database);
    }

    /// <summary>Drops a test's database, whoever is still connected to it.</summary>
    public static void Drop(string database)
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection($"{PostgresServer};Database=postgres");
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}

/// <summary>Dojo on a real PostgreSQL (Dojo:Database:Provider=postgres): the schema by its own migrations, and jobs through the whole path.</summary>
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
    [Fact]
    public async Task Twenty_submits_at_once_from_one_student_never_make_more_jobs_active_than_the_limit()
    {
        var (student, issued) = await factory.CreateStudentAsync("同時 投入");
        int limit = factory.Services.GetRequiredService<IOptions<SpecLimits>>().Value.MaxActiveJobsPerStudent;
        var longJob = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1));
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => student.PostAsJsonAsync("/api/jobs", DojoClient.With(longJob, ("name", $"race-{i}")))));

        Assert.Equal(limit, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        var stored = await db.Jobs.Where(j => j.OwnerId == issued.User.Id).Select(j => j.Id).ToListAsync();
        Assert.Equal(limit, stored.Count);
        foreach (var id in stored) await student.PostAsync($"/api/jobs/{id}/cancel", null);
        foreach (var id in stored) await new DojoClient(student).WaitFinishedAsync(id);
    }

    [Fact]
    public async Task Hand_ins_at_once_are_numbered_one_to_n_without_a_gap_or_a_repeat()
    {
        var exercise = await CourseHelpers.SeededExerciseAsync(_client.Http, 2);
        var (student, _) = await factory.CreateStudentAsync("同時 提出");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            student.PostAsync($"/api/exercises/{exercise}/submissions/file", CourseHelpers.FilePart(CourseHelpers.Pdf, "report.pdf"))));
        var attempts = new List<int>();
        foreach (var response in responses) attempts.Add((await CourseHelpers.OkAsync(response, HttpStatusCode.Created))["attempt"]!.GetValue<int>());
        Assert.Equal(Enumerable.Range(1, 8), attempts.Order());
    }
}

/// <summary>Two API processes started at the same moment on an empty PostgreSQL database, neither given a token.</summary>
public sealed class PostgresFirstStartTests : IDisposable
{
    private readonly string _database = "dojo_test_" + Guid.NewGuid().ToString("N");
    private readonly List<DojoProcess> _processes = [];
    private readonly List<string> _data = [];

    [Fact]
    public async Task Two_api_processes_started_together_on_an_empty_database_make_one_first_instructor()
    {
        var apis = Enumerable.Range(0, 2).Select(_ =>
        {
            string data = Path.Combine(Path.GetTempPath(), "dojo-postgres", Guid.NewGuid().ToString("N"));
            _data.Add(data);
            int rest = DojoProcess.FreePort();
            var api = DojoProcess.Api(data, rest, DojoProcess.FreePort(), inProcessWorker: false,
                ("Dojo__Database__Provider", "postgres"), ("Dojo__Database__ConnectionString", $"{PostgresFactory.PostgresServer};Database={_database}"),
                ("Dojo__Auth__BootstrapToken", ""));
            _processes.Add(api);
            return (api, rest);
        }).ToList();
        foreach (var (api, rest) in apis) await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + rest, TimeSpan.FromSeconds(90));

        var printed = apis.Select(a => System.Text.RegularExpressions.Regex.Match(a.api.Output, @"^\s+(dojo_\S+)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline)).Where(m => m.Success).ToList();
        Assert.Single(printed);
        await using var connection = new NpgsqlConnection($"{PostgresFactory.PostgresServer};Database={_database}");
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT COUNT(*) FROM \"Users\" WHERE \"Role\" = 'Instructor'", connection);
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
        // The token the one printed works on both processes.
        foreach (var (_, rest) in apis)
            Assert.Equal(HttpStatusCode.OK, (await DojoProcess.Client(rest, printed[0].Groups[1].Value).GetAsync("/api/me")).StatusCode);
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        foreach (var data in _data) try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        PostgresFactory.Drop(_database);
    }
}

/// <summary>Processes on one PostgreSQL: an API and two worker processes, each with a Hangfire server on the shared queue.</summary>
public sealed class PostgresProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-postgres", Guid.NewGuid().ToString("N"));
    private readonly string _database = "dojo_test_" + Guid.NewGuid().ToString("N");
    private readonly List<DojoProcess> _processes = [];

    private (string, string)[] Settings => [("Dojo__Database__Provider", "postgres"), ("Dojo__Database__ConnectionString", $"{PostgresFactory.PostgresServer};Database={_database}")];

    [Fact]
    public async Task Two_workers_serve_one_queue_and_every_job_runs_once()
    {
        int rest = DojoProcess.FreePort();
        var api = Start(DojoProcess.Api(_data, rest, DojoProcess.FreePort(), inProcessWorker: false, Settings));
        await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + rest, TimeSpan.FromSeconds(60));
        // One slot each, so that the suite's other classes keep their cores.
        var workers = new[] { "first", "second" }.Select(name => Start(DojoProcess.Worker(_data, [.. Settings, ("Dojo__Worker__Name", name), ("Dojo__Worker__Slots", "1")]))).ToList();
        foreach (var worker in workers) await worker.WaitForOutputAsync("offers cpu", TimeSpan.FromSeconds(60)); // the second takes no SQLite lock

        var client = new DojoClient(DojoProcess.Client(rest, DojoFactory.InstructorToken));
        var submitted = new List<Guid>();
        for (int i = 0; i < 4; i++)
            submitted.Add((await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("name", $"pg-{i}"), ("training.epochs", 5)))).Id);
        foreach (var id in submitted)
        {
            var job = await client.WaitFinishedAsync(id, TimeSpan.FromSeconds(120));
            Assert.True(job.State == JobState.Succeeded && job.Attempts == 1, $"{job.Name}: {job.State} after {job.Attempts} attempts {job.Reason}");
        }
        var claims = workers.Sum(w => System.Text.RegularExpressions.Regex.Matches(w.Output, @"claimed by").Count);
        Assert.Equal(submitted.Count, claims);
    }

    /// <summary>
    /// Hosts without a shared disk, as processes with data directories of their own: API A, API B, and a worker whose job
    /// is killed mid-way and resumed by a worker that starts with an empty disk (artifacts in the database).
    /// </summary>
    [Fact]
    public async Task A_job_sent_to_one_api_is_watched_on_another_and_resumed_by_a_worker_with_an_empty_disk()
    {
        (string, string)[] shared = [.. Settings, ("Dojo__Artifacts__Store", "database")];
        var (a, aGrpc) = await StartApiAsync("api-a", shared);
        var (b, _) = await StartApiAsync("api-b", shared);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = Start(DojoProcess.Worker(Folder("worker-1"), [.. shared, ("Dojo__Worker__Slots", "1")]));
        await first.WaitForOutputAsync("offers cpu", TimeSpan.FromSeconds(60));

        // The process tests' killable MLP (batch 1, Adam), killed after its third epoch's checkpoint.
        static System.Text.Json.Nodes.JsonObject Job(string name) => EndToEnd.ProcessTests.KillableMlp(name);
        var job = await b.SubmitAsync(Job("interrupted"));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{aGrpc}", new GrpcChannelOptions
        {
            HttpHandler = new BearerHandler(DojoFactory.InstructorToken) { InnerHandler = new SocketsHttpHandler() },
        });
        var watching = WatchAsync(new Protos.V1.Jobs.JobsClient(channel), job.Id);
        await a.WaitAsync(job.Id, j => j.CheckpointEpoch >= 3, TimeSpan.FromSeconds(60));
        first.Kill();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: worker 1 killed");

        string emptyDisk = Folder("worker-2");
        var second = Start(DojoProcess.Worker(emptyDisk, [.. shared, ("Dojo__Worker__Slots", "2")]));
        var reference = await a.SubmitAsync(Job("uninterrupted"));
        var resumed = await a.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(120));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: resumed job ended");
        Assert.True(resumed.State == JobState.Succeeded && resumed.Attempts == 2, $"{resumed.State} after {resumed.Attempts} attempts: {resumed.Reason}");
        await second.WaitForOutputAsync(@$"Job {job.Id}: claimed by .*, attempt 2, resuming after epoch [3-9]", TimeSpan.FromSeconds(5));

        // The watcher on A saw every point the worker recorded, in order, once, then the end — across the kill.
        var (seqs, final) = await watching;
        Assert.Equal(Protos.V1.JobState.Succeeded, final.State);
        Assert.Equal(Enumerable.Range(1, (int)final.NextSeq - 1).Select(i => (long)i), seqs);

        // It ends as the uninterrupted run does, and either API hands out the same weights, which no disk holds.
        var uninterrupted = await b.WaitFinishedAsync(reference.Id, TimeSpan.FromSeconds(120));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: reference ended");
        Assert.Equal(EndToEnd.ProcessTests.Final(uninterrupted), EndToEnd.ProcessTests.Final(resumed));
        Assert.Equal(await b.Http.GetByteArrayAsync($"/api/jobs/{reference.Id}/model"), await a.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model"));
        Assert.False(Directory.Exists(Path.Combine(emptyDisk, "jobs")), "the worker kept job files on its own disk");
    }

    private static async Task<(List<long> Seqs, Protos.V1.JobStateChanged Final)> WatchAsync(Protos.V1.Jobs.JobsClient jobs, Guid jobId)
    {
        var seqs = new List<long>();
        using var call = jobs.WatchJob(new Protos.V1.WatchJobRequest { JobId = jobId.ToString(), FromSeq = 1 });
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            if (e.EventCase == Protos.V1.JobEvent.EventOneofCase.Metric) seqs.Add(e.Metric.Seq);
            else return (seqs, e.State);
        }
        throw new InvalidOperationException("the watch ended without the job's final state");
    }

    private async Task<(DojoClient Client, int Grpc)> StartApiAsync(string name, (string, string)[] settings)
    {
        int rest = DojoProcess.FreePort(), grpc = DojoProcess.FreePort();
        var api = Start(DojoProcess.Api(Folder(name), rest, grpc, inProcessWorker: false, settings));
        await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + rest, TimeSpan.FromSeconds(60));
        return (new DojoClient(DojoProcess.Client(rest, DojoFactory.InstructorToken)), grpc);
    }

    /// <summary>A data directory of one stand-in host.</summary>
    private string Folder(string host) => Path.Combine(_data, host);

    private DojoProcess Start(DojoProcess process)
    {
        _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
        PostgresFactory.Drop(_database);
    }
}
