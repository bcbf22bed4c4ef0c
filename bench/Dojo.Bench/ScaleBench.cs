using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using static Dojo.Bench.BenchApi;

namespace Dojo.Bench;

/// <summary>
/// Dojo on several processes (issue 16), against real processes on loopback and the local PostgreSQL
/// (DOJO_BENCH_POSTGRES, default Host=127.0.0.1;Username=dojo;Password=dojo — the role .ci/run makes):
///   1. submit → running, an API with its in-process worker on SQLite and one on PostgreSQL, alternated job by job;
///   2. jobs per second through PostgreSQL's queue with 1, 2 and 4 worker processes (one slot each), 40 one-epoch jobs;
///   3. recorded → received for 100 watchers spread over two API processes (50 each) of one job on a separate worker,
///      the APIs hearing of points by LISTEN/NOTIFY and by the 100 ms poll, alternated round by round
///      (DOJO_BENCH_CHECKPOINT_SECONDS: the worker's commit cadence, 1 s by default).
/// DOJO_BENCH_PARTS picks parts (default 123).
/// Usage: bench/run.sh [rounds] --scale
/// </summary>
public static class ScaleBench
{
    private static readonly string Server = Environment.GetEnvironmentVariable("DOJO_BENCH_POSTGRES") is { Length: > 0 } given ? given
        : "Host=127.0.0.1;Username=dojo;Password=dojo";

    public static async Task RunAsync(string root, int rounds)
    {
        string token = "dojo_bench-" + Guid.NewGuid().ToString("N");
        string data = Path.Combine(Path.GetTempPath(), "dojo-bench-scale", Guid.NewGuid().ToString("N"));
        var xor = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "samples/xor.json")))!.AsObject();
        var tiny = With(xor, ("training.epochs", 1));
        var databases = new List<string>();
        string NewDatabase()
        {
            string name = "dojo_bench_" + Guid.NewGuid().ToString("N");
            databases.Add(name);
            return $"{Server};Database={name}";
        }
        (string, string)[] Postgres(string connection) => [("Dojo__Database__Provider", "postgres"), ("Dojo__Database__ConnectionString", connection)];
        var processes = new List<Process>();
        Process Start(string project, string folder, params (string, string)[] settings)
        {
            var process = StartProcess(root, project, Path.Combine(data, folder), token, settings);
            processes.Add(process);
            return process;
        }
        var parts = Environment.GetEnvironmentVariable("DOJO_BENCH_PARTS") is { Length: > 0 } chosen ? chosen : "123";
        try
        {
            // 1. submit -> running: SQLite and PostgreSQL side by side, alternated.
            if (parts.Contains('1'))
            {
                var sqlite = Client(5280, token);
                var postgres = Client(5282, token);
                Start("Api", "sqlite", Urls(5280, 5281));
                Start("Api", "postgres", [.. Urls(5282, 5283), .. Postgres(NewDatabase())]);
                await WaitReadyAsync(sqlite);
                await WaitReadyAsync(postgres);
                var onSqlite = new List<double>();
                var onPostgres = new List<double>();
                await StartLatencyAsync(sqlite, tiny);
                await StartLatencyAsync(postgres, tiny); // warm-up
                for (int i = 0; i < 20 * rounds; i++)
                {
                    onSqlite.Add(await StartLatencyAsync(sqlite, tiny));
                    onPostgres.Add(await StartLatencyAsync(postgres, tiny));
                }
                Console.WriteLine($"submit -> running, SQLite       {Stats.Summary(onSqlite)}");
                Console.WriteLine($"submit -> running, PostgreSQL   {Stats.Summary(onPostgres)}   p50 PostgreSQL/SQLite {Stats.Median(onPostgres) / Stats.Median(onSqlite):F2}");
                Stop(processes);
            }

            // 2. Throughput of the queue with 1, 2 and 4 workers (a fresh database each time).
            foreach (int workers in parts.Contains('2') ? new[] { 1, 2, 4 } : [])
            {
                var settings = Postgres(NewDatabase());
                var api = Client(5284, token);
                Start("Api", $"queue-{workers}", [.. Urls(5284, 5285), .. settings, ("Dojo__Worker__InProcess", "false")]);
                await WaitHealthyAsync(api);
                for (int w = 0; w < workers; w++) Start("Worker", $"queue-{workers}-worker-{w}", [.. settings, ("Dojo__Worker__Slots", "1")]);
                await WaitWorkersAsync(api);
                var perRound = new List<double>();
                for (int round = 0; round < rounds; round++)
                {
                    var clock = Stopwatch.StartNew();
                    var ids = new List<string>();
                    for (int i = 0; i < 40; i++) ids.Add(await SubmitAsync(api, tiny));
                    foreach (var id in ids) await WaitSucceededAsync(api, id, pollMs: 50);
                    perRound.Add(ids.Count / clock.Elapsed.TotalSeconds);
                }
                Console.WriteLine($"queue, {workers} worker(s), 40 one-epoch jobs: median {Stats.Median(perRound):F1} jobs/s (rounds: {string.Join(", ", perRound.Select(r => r.ToString("F1")))})");
                Stop(processes);
            }

            // 3. 100 watchers over two APIs, LISTEN/NOTIFY against the poll, alternated.
            var results = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
            for (int round = 0; round < (parts.Contains('3') ? rounds : 0); round++)
                foreach (bool notify in new[] { true, false })
                {
                    var settings = Postgres(NewDatabase());
                    (string, string) mode = ("Dojo__Watch__Notify", notify ? "true" : "false");
                    var a = Client(5286, token);
                    var b = Client(5288, token);
                    Start("Api", $"watch-{round}-{notify}-a", [.. Urls(5286, 5287), .. settings, mode, ("Dojo__Worker__InProcess", "false")]);
                    await WaitHealthyAsync(a);
                    Start("Api", $"watch-{round}-{notify}-b", [.. Urls(5288, 5289), .. settings, mode, ("Dojo__Worker__InProcess", "false")]);
                    await WaitHealthyAsync(b);
                    // The worker commits points with each checkpoint, at most every CheckpointMinSeconds (1 s by default): that, not
                    // the API's delivery, bounds what a watcher on another process waits. DOJO_BENCH_CHECKPOINT_SECONDS lowers it
                    // to measure the delivery itself.
                    string checkpointSeconds = Environment.GetEnvironmentVariable("DOJO_BENCH_CHECKPOINT_SECONDS") ?? "1";
                    Start("Worker", $"watch-{round}-{notify}-worker", [.. settings, ("Dojo__Worker__Slots", "1"), ("Dojo__Worker__CheckpointMinSeconds", checkpointSeconds)]);
                    await WaitWorkersAsync(a);
                    string job = await SubmitAsync(b, With(xor, ("training.epochs", 400)));
                    using var channelA = Channel(5287, token);
                    using var channelB = Channel(5289, token);
                    var watchers = Enumerable.Range(0, 100).Select(i => WatchAsync(new Jobs.JobsClient(i % 2 == 0 ? channelA : channelB), job)).ToList();
                    results[notify].AddRange((await Task.WhenAll(watchers)).SelectMany(l => l));
                    Stop(processes);
                }
            if (parts.Contains('3'))
            {
                Console.WriteLine($"watch, 100 watchers over 2 APIs, LISTEN/NOTIFY   {Stats.Summary(results[true])}");
                Console.WriteLine($"watch, 100 watchers over 2 APIs, 100 ms poll     {Stats.Summary(results[false])}");
            }
        }
        finally
        {
            Stop(processes);
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection($"{Server};Database=postgres");
            await connection.OpenAsync();
            foreach (var name in databases)
                await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection)) await drop.ExecuteNonQueryAsync();
            foreach (var folder in Directory.Exists(data) ? Directory.GetDirectories(data) : []) try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            Console.WriteLine($"(the processes' logs: {data}/*.log)");
        }
    }

    /// <summary>From the moment the client starts the POST to the worker's claim (the job's startedAt).</summary>
    private static async Task<double> StartLatencyAsync(HttpClient http, JsonObject request)
    {
        var submittedAt = DateTime.UtcNow;
        var job = await WaitSucceededAsync(http, await SubmitAsync(http, request), pollMs: 20);
        return (job.GetProperty("startedAt").GetDateTime() - submittedAt).TotalMilliseconds;
    }
}
