using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Xunit.Abstractions;

namespace Dojo.Api.Tests.EndToEnd;

/// <summary>
/// Chaos on one PostgreSQL (artifacts in it too): two API processes and three workers, each with a data directory of its
/// own (stand-ins for hosts that share no disk), a stream of jobs sent to either API while a random worker is SIGKILLed
/// and started again every few seconds and an API is restarted now and then. Afterwards every job must have succeeded
/// once (none lost), hold its points 1..n without a gap or a repeat and each epoch's figures once, and end with the final
/// figures of an uninterrupted run of the same spec. By default a short run (8 jobs, 4 kills, one API restart);
/// <c>tools/chaos.sh</c> (DOJO_CHAOS=1) runs the full one: 200 jobs, 100 kills, an API restart every 20 kills.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IDisposable
{
    private static readonly bool Full = Environment.GetEnvironmentVariable("DOJO_CHAOS") == "1";
    private static readonly int Jobs = Full ? 200 : 8, Kills = Full ? 100 : 4, KillsPerApiRestart = Full ? 20 : 3;
    private const int Workers = 3, Seeds = 4;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-chaos", Guid.NewGuid().ToString("N"));
    private readonly string _database = "dojo_test_" + Guid.NewGuid().ToString("N");
    private readonly List<DojoProcess> _stopped = [];
    private readonly DojoProcess?[] _apis = new DojoProcess?[2];
    private readonly DojoProcess?[] _workers = new DojoProcess?[Workers];
    private readonly int[] _rest = [DojoProcess.FreePort(), DojoProcess.FreePort()];
    private readonly int[] _grpc = [DojoProcess.FreePort(), DojoProcess.FreePort()];

    private (string, string)[] Settings =>
    [
        ("Dojo__Database__Provider", "postgres"), ("Dojo__Database__ConnectionString", $"{PostgresFactory.PostgresServer};Database={_database}"),
        ("Dojo__Artifacts__Store", "database"), ("Dojo__Worker__Slots", "1"),
    ];

    /// <summary>Small jobs that still checkpoint several times: the killable MLP (batch 1, Adam), six epochs, one of four seeds.</summary>
    private static JsonObject Job(int i) => DojoClient.With(ProcessTests.KillableMlp($"chaos-{i}"),
        ("dataset.samples", 600), ("training.epochs", 6), ("training.seed", i % Seeds + 1));

    [Fact]
    public async Task Jobs_sent_while_workers_are_killed_and_apis_restart_all_succeed_once_with_every_point_and_the_uninterrupted_result()
    {
        for (int i = 0; i < 2; i++) await StartApiAsync(i);
        for (int w = 0; w < Workers; w++) StartWorker(w);
        foreach (var worker in _workers) await worker!.WaitForOutputAsync("offers cpu", TimeSpan.FromSeconds(90));
        var clients = _rest.Select(port => new DojoClient(DojoProcess.Client(port, DojoFactory.InstructorToken))).ToArray();

        // The stream of submits, to either API in turn (the other when one is restarting).
        var submitted = new List<Guid>();
        var submitting = Task.Run(async () =>
        {
            for (int i = 0; i < Jobs; i++)
            {
                submitted.Add(await SubmitToEitherAsync(clients, Job(i), i % 2));
                await Task.Delay(Full ? 300 : 200);
            }
        });

        // The chaos: a random worker SIGKILLed and started again every few seconds; an API restarted every few kills.
        var random = new Random(16);
        int kills = 0, apiRestarts = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (kills < Kills && clock.Elapsed < TimeSpan.FromMinutes(Full ? 30 : 3))
        {
            await Task.Delay(Full ? random.Next(1500, 3000) : random.Next(1000, 2000));
            // A random worker among those up (started and serving), as an operator's host would fail.
            var up = Enumerable.Range(0, Workers).Where(i => _workers[i]!.Output.Contains(" offers ", StringComparison.Ordinal)).ToList();
            if (up.Count == 0) continue;
            int w = up[random.Next(up.Count)];
            _workers[w]!.Kill();
            kills++;
            StartWorker(w);
            if (kills % KillsPerApiRestart == 0)
            {
                int a = apiRestarts++ % 2;
                _apis[a]!.Terminate();
                await _apis[a]!.WaitForExitAsync(TimeSpan.FromSeconds(30));
                await StartApiAsync(a);
            }
        }
        await submitting;

        // Every job ends; then the uninterrupted runs, one per spec, while nothing is killed.
        var ended = new List<Jobs.JobDto>();
        foreach (var id in submitted) ended.Add(await clients[0].WaitFinishedAsync(id, TimeSpan.FromMinutes(Full ? 20 : 3)));
        var references = new Dictionary<int, Jobs.JobDto>();
        for (int seed = 0; seed < Seeds; seed++)
            references[seed] = await clients[1].WaitFinishedAsync((await clients[1].SubmitAsync(Job(seed))).Id, TimeSpan.FromMinutes(2));

        int lost = ended.Count(j => j.State != JobState.Succeeded), resumed = ended.Count(j => j.Attempts > 1);
        int gaps = 0, repeats = 0, differing = 0;
        for (int i = 0; i < ended.Count; i++)
        {
            var points = await clients[i % 2].AllMetricsAsync(ended[i].Id);
            if (!points.Select(p => p.Seq).SequenceEqual(Enumerable.Range(1, (int)ended[i].NextSeq - 1).Select(s => (long)s))) gaps++;
            repeats += points.GroupBy(p => (p.Epoch, p.Name)).Count(g => g.Count() > 1);
            if (ended[i].State == JobState.Succeeded && !ProcessTests.Final(ended[i]).SequenceEqual(ProcessTests.Final(references[i % Seeds]))) differing++;
        }
        string report = $"chaos: {kills} worker kills, {apiRestarts} API restarts, {submitted.Count} jobs submitted, {ended.Count(j => j.State.IsTerminal())} ended, " +
            $"{lost} lost or failed, {resumed} resumed after a kill, {gaps} with a gap in their points, {repeats} repeated figures, " +
            $"{differing} final results differing from an uninterrupted run; {clock.Elapsed.TotalSeconds:F0} s";
        output.WriteLine(report);
        Artifacts.Save("chaos.txt", System.Text.Encoding.UTF8.GetBytes(report));

        Assert.Equal(Jobs, submitted.Count);
        Assert.Equal(Kills, kills);
        Assert.True(lost == 0 && gaps == 0 && repeats == 0 && differing == 0, report);
        Assert.True(resumed > 0, $"no job was interrupted by a kill: {report}");
    }

    private static async Task<Guid> SubmitToEitherAsync(DojoClient[] clients, JsonObject request, int first)
    {
        for (int attempt = 0; ; attempt++)
        {
            var client = clients[(first + attempt) % 2];
            try
            {
                var response = await client.Http.PostAsJsonAsync("/api/jobs", request);
                if (response.IsSuccessStatusCode) return (await response.Content.ReadFromJsonAsync<Jobs.JobDto>(Domain.Specs.SpecJson.Options))!.Id;
                // A 503 from an API shutting down, or every worker restarting at once (a 400 that says so): try again.
                string body = await response.Content.ReadAsStringAsync();
                Assert.True((int)response.StatusCode >= 500 || body.Contains("no live worker", StringComparison.Ordinal), $"submit refused: {(int)response.StatusCode} {body}");
            }
            catch (HttpRequestException) when (attempt < 300)
            {
                // that API is restarting: try the other
            }
            Assert.True(attempt < 300, "no API took the job for 30 s");
            await Task.Delay(100);
        }
    }

    private async Task StartApiAsync(int i)
    {
        if (_apis[i] is { } old) _stopped.Add(old);
        _apis[i] = DojoProcess.Api(Path.Combine(_data, $"api-{i}"), _rest[i], _grpc[i], inProcessWorker: false, Settings);
        await _apis[i]!.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest[i], TimeSpan.FromSeconds(90));
    }

    private void StartWorker(int w)
    {
        if (_workers[w] is { } old) _stopped.Add(old);
        _workers[w] = DojoProcess.Worker(Path.Combine(_data, $"worker-{w}"), Settings);
    }

    public void Dispose()
    {
        foreach (var process in _stopped.Concat(_apis).Concat(_workers).OfType<DojoProcess>()) process.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
        PostgresFactory.Drop(_database);
    }
}
