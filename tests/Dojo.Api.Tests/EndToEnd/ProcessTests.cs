using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dojo.Api.Tests.EndToEnd;

/// <summary>The real API and worker processes on loopback ports, sharing one SQLite data directory.</summary>
public sealed class ProcessTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-e2e", Guid.NewGuid().ToString("N"));
    private readonly int _rest = DojoProcess.FreePort();
    private readonly int _grpc = DojoProcess.FreePort();
    private readonly List<DojoProcess> _processes = [];

    private DojoProcess Start(DojoProcess process)
    {
        _processes.Add(process);
        return process;
    }

    private async Task<DojoClient> StartApiAsync(bool inProcessWorker)
    {
        var api = Start(DojoProcess.Api(_data, _rest, _grpc, inProcessWorker));
        await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));
        return new DojoClient(Client(DojoFactory.InstructorToken));
    }

    private static async Task WaitReadyAsync(DojoClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await client.Http.GetAsync("/health/ready")).IsSuccessStatusCode)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("no live worker");
            await Task.Delay(100);
        }
    }

    internal const int KillableMlpEpochs = 12;

    /// <summary>
    /// Long enough to kill mid-way, always: batch 1 over 1,000 training points, 12 epochs (about 0.3 s each here; a kill
    /// waits for epoch 4 or less, and the test checks the job had not ended), Adam (whose state must be restored exactly).
    /// </summary>
    internal static JsonObject KillableMlp(string name) => DojoClient.With(DojoClient.Sample("xor"),
        ("name", name), ("dataset.samples", 2000), ("optimizer.kind", "adam"), ("optimizer.learningRate", 0.01),
        ("training.epochs", KillableMlpEpochs), ("training.batchSize", 1));

    /// <summary>
    /// The jobs a SIGKILL must not disturb, each long enough to kill mid-way (a kill waits for epoch 4): the
    /// killable MLP; an LSTM forecaster of two stacked cells with seeded dropout between them on a noisy sine;
    /// an LSTM encoder–decoder whose teacher-forcing coin flips come from the job's seed; a GAN, whose noise does too;
    /// a DQN on a slippery grid, whose checkpoint holds its replay buffer, its environment and their random streams.
    /// </summary>
    private static JsonObject KillableJob(string job, string name) => job switch
    {
        "mlp" => KillableMlp(name),
        "lstm" => DojoClient.With(DojoClient.Sample("forecast-airline"), ("name", name),
            ("dataset", JsonNode.Parse("""{ "kind": "timeSeries", "series": "sine", "length": 1200, "period": 50, "noise": 0.1, "lookback": 30, "testSteps": 100, "validationSteps": 100 }""")),
            ("network.layers", JsonNode.Parse("""[ { "type": "lstm", "hiddenSize": 24, "layers": 2, "dropout": 0.2 }, { "type": "dense", "units": 1 } ]""")),
            ("training.batchSize", 4), ("training.epochs", 10)),
        "seq2seq" => DojoClient.With(DojoClient.Sample("seq2seq-reverse"), ("name", name),
            ("dataset.samples", 1500), ("model.hiddenSize", 32), ("model.layers", 2), ("model.dropout", 0.1),
            ("training.batchSize", 16), ("training.epochs", 10)),
        "gan" => DojoClient.With(DojoClient.Sample("gan-ring"), ("name", name),
            ("training.batchSize", 16), ("training.epochs", 10), ("training.discriminatorSteps", 2), ("training.labelSmoothing", 0.1)),
        "dqn" => DojoClient.With(DojoClient.Sample("dqn-grid"), ("name", name),
            ("environment.slip", 0.1), ("replay.capacity", 2000), ("training.episodes", 150), ("evaluation.keepBest", true)),
        _ => throw new ArgumentOutOfRangeException(nameof(job)),
    };

    /// <summary>The API, a separate worker, and a job that has checkpointed <paramref name="epochs"/> epochs on it.</summary>
    private async Task<(DojoClient Client, DojoProcess Worker, Jobs.JobDto Job)> JobUnderWayAsync(JsonObject request, int epochs)
    {
        var client = await StartApiAsync(inProcessWorker: false);
        var worker = Start(DojoProcess.Worker(_data));
        await WaitReadyAsync(client);
        var job = await client.SubmitAsync(request);
        await client.WaitAsync(job.Id, j => j.CheckpointEpoch >= epochs, TimeSpan.FromSeconds(60));
        return (client, worker, job);
    }

    private Task<(DojoClient Client, DojoProcess Worker, Jobs.JobDto Job)> JobUnderWayAsync(string name, int epochs) =>
        JobUnderWayAsync(KillableMlp(name), epochs);

    /// <summary>
    /// The kinds whose jobs are killed mid-way: by default the MLP; DOJO_FULL_PROCESS=1 adds the LSTM, the encoder–decoder,
    /// the GAN and the DQN (the largest trainer state: replay buffer, environment, random streams). Each kind's own
    /// checkpoint is also resumed bit for bit in process by its trainer's tests, and the PostgreSQL process and chaos tests
    /// kill MLP jobs too; this is the machinery across processes on SQLite.
    /// </summary>
    public static TheoryData<string> KillableKinds => Environment.GetEnvironmentVariable("DOJO_FULL_PROCESS") == "1"
        ? ["mlp", "lstm", "seq2seq", "gan", "dqn"] : ["mlp"];

    [Theory]
    [MemberData(nameof(KillableKinds))]
    public async Task Job_killed_with_its_worker_resumes_from_its_checkpoint_on_a_new_worker(string kind)
    {
        var request = KillableJob(kind, "interrupted");
        int epochs = (request["training"]!["epochs"] ?? request["training"]!["episodes"])!.GetValue<int>(); // a DQN's epoch is an episode
        var (client, worker, job) = await JobUnderWayAsync(request, epochs: 4);
        worker.Kill();
        int killedAfter = (await client.GetAsync(job.Id)).CheckpointEpoch;
        Assert.True(killedAfter < epochs, "the job finished before the worker was killed");

        var second = Start(DojoProcess.Worker(_data));
        // The reference: the same spec, uninterrupted, trained beside the resumed job (each on its own thread and generators).
        var reference = await client.SubmitAsync(KillableJob(kind, "uninterrupted"));
        var resumed = await client.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(90));

        Assert.True(resumed.State == Domain.Jobs.JobState.Succeeded, $"{resumed.State}: {resumed.Reason}");
        Assert.Equal(2, resumed.Attempts);
        var claim = await second.WaitForOutputAsync(@$"Job {job.Id}: claimed by .*, attempt 2, resuming after epoch (\d+)", TimeSpan.FromSeconds(5));
        Assert.True(int.Parse(claim.Groups[1].Value) >= killedAfter, claim.Value);
        var points = await client.AllMetricsAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        // Every epoch's figures once: no epoch lost, none recorded twice across the two attempts.
        Assert.Equal(Enumerable.Range(1, epochs), points.Select(p => p.Epoch).Distinct());
        Assert.Empty(points.GroupBy(p => (p.Epoch, p.Name)).Where(g => g.Count() > 1).Select(g => g.Key));

        // The resumed run ends exactly where an uninterrupted run of the same spec ends.
        var uninterrupted = await client.WaitFinishedAsync(reference.Id, TimeSpan.FromSeconds(90));
        Assert.True(uninterrupted.State == Domain.Jobs.JobState.Succeeded, $"uninterrupted run ended {uninterrupted.State}: {uninterrupted.Reason}");
        Assert.Equal(Final(uninterrupted), Final(resumed));
        // Every figure of every epoch, validation loss included, is the same bits whichever worker process computed it.
        static IEnumerable<string> Figures(IEnumerable<Jobs.MetricPointDto> points) =>
            points.Where(p => p.Name != MetricNames.SamplesPerSec).Select(p => $"{p.Epoch} {p.Name} {p.Value:R}");
        Assert.Equal(Figures(await client.AllMetricsAsync(uninterrupted.Id)), Figures(points));
    }

    /// <summary>A finished job's final figures, bit for bit (its speed left out).</summary>
    internal static IEnumerable<string> Final(Jobs.JobDto job) =>
        job.Result!.Where(m => !m.Key.StartsWith("samples", StringComparison.Ordinal)).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Key} {m.Value:R}");

    [Fact]
    public async Task A_worker_stopped_with_sigterm_releases_its_job_at_once_and_another_resumes_it()
    {
        var (client, worker, job) = await JobUnderWayAsync("terminated", epochs: 2);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        worker.Terminate();
        var released = await client.WaitAsync(job.Id, j => j.State == Domain.Jobs.JobState.Queued, TimeSpan.FromSeconds(30));
        var releasedAfter = clock.Elapsed;
        Assert.Equal(0, await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        output.WriteLine($"SIGTERM to the job back in the queue: {releasedAfter.TotalSeconds:F2} s");
        Assert.True(releasedAfter < TimeSpan.FromSeconds(10), $"released after {releasedAfter.TotalSeconds:F1} s");
        Assert.Contains("released at shutdown", worker.Output);

        Start(DojoProcess.Worker(_data));
        var resumed = await client.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(90));
        Assert.Equal(Domain.Jobs.JobState.Succeeded, resumed.State);
        Assert.Equal(2, resumed.Attempts);
        var points = await client.AllMetricsAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(Enumerable.Range(1, KillableMlpEpochs), points.Where(p => p.Name == MetricNames.Loss).Select(p => p.Epoch));
    }

    [Fact]
    public async Task A_backup_taken_while_a_job_trains_restores_into_a_dojo_that_has_everything_and_resumes_the_job()
    {
        var client = await StartApiAsync(inProcessWorker: true);
        await WaitReadyAsync(client);
        var finished = await client.WaitFinishedAsync((await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 5)))).Id);
        byte[] weights = await client.Http.GetByteArrayAsync($"/api/jobs/{finished.Id}/model");
        var created = (await (await client.Http.PostAsJsonAsync("/api/users", new { name = "バックアップ 確認" })).Content.ReadFromJsonAsync<JsonObject>())!;
        var student = Client(created["secret"]!.GetValue<string>());
        var exercise = await CourseHelpers.SeededExerciseAsync(client.Http, 2);
        var upload = await student.PostAsync($"/api/exercises/{exercise}/submissions/file", CourseHelpers.FilePart(CourseHelpers.Pdf, "r.pdf"));
        var submissionId = (await upload.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        var running = await client.SubmitAsync(KillableMlp("running at backup"));
        await client.WaitAsync(running.Id, j => j.CheckpointEpoch >= 2, TimeSpan.FromSeconds(60));

        string backup = Path.Combine(Path.GetTempPath(), "dojo-backup", Guid.NewGuid().ToString("N"));
        var command = Start(DojoProcess.Command(_data, "backup", backup));
        Assert.True(await command.WaitForExitAsync(TimeSpan.FromSeconds(60)) == 0, command.Output);
        Assert.Contains("backed up", command.Output);
        foreach (var process in _processes.Where(p => !p.HasExited)) process.Kill(); // the original is gone

        var restored = Start(DojoProcess.Api(backup, _rest, _grpc, inProcessWorker: true));
        await restored.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));
        try
        {
            Assert.Equal(weights, await client.Http.GetByteArrayAsync($"/api/jobs/{finished.Id}/model"));
            Assert.Equal(CourseHelpers.Pdf, await student.GetByteArrayAsync($"/api/submissions/{submissionId}/file"));
            var resumed = await client.WaitFinishedAsync(running.Id, TimeSpan.FromSeconds(120));
            Assert.True(resumed.State == Domain.Jobs.JobState.Succeeded, $"{resumed.State}: {resumed.Reason}");
            var points = await client.AllMetricsAsync(running.Id);
            Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
            Assert.Equal(Enumerable.Range(1, KillableMlpEpochs), points.Where(p => p.Name == MetricNames.Loss).Select(p => p.Epoch));
        }
        finally
        {
            restored.Kill();
            try { Directory.Delete(backup, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Separate_worker_trains_and_watchers_get_points_across_processes()
    {
        var client = await StartApiAsync(inProcessWorker: false);
        Start(DojoProcess.Worker(_data));
        await WaitReadyAsync(client);

        var job = await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 300)));
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpc}", new GrpcChannelOptions
        {
            HttpHandler = new BearerHandler(DojoFactory.InstructorToken) { InnerHandler = new SocketsHttpHandler() },
        });
        var jobs = new Protos.V1.Jobs.JobsClient(channel);
        var seqs = new List<long>();
        JobStateChanged? final = null;
        using (var call = jobs.WatchJob(new WatchJobRequest { JobId = job.Id.ToString(), FromSeq = 1 }))
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                if (e.EventCase == JobEvent.EventOneofCase.Metric) seqs.Add(e.Metric.Seq);
                else final = e.State;
            }
        }

        Assert.Equal(Protos.V1.JobState.Succeeded, final!.State);
        Assert.Equal(Enumerable.Range(1, (int)final.NextSeq - 1).Select(i => (long)i), seqs);
        var done = await client.GetAsync(job.Id);
        Assert.True(done.Result![MetricNames.TestAccuracy] >= 0.95);
    }

    [Fact]
    public async Task Grpc_js_client_watching_a_running_job_gets_every_point_once_then_the_final_state()
    {
        var client = await StartApiAsync(inProcessWorker: true);
        await WaitReadyAsync(client);
        var job = await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 400)));
        await client.WaitAsync(job.Id, j => j.State == Domain.Jobs.JobState.Running);

        var events = await NodeWatchClient.WatchAsync($"127.0.0.1:{_grpc}", DojoFactory.InstructorToken, job.Id, 1);

        var stored = await client.AllMetricsAsync(job.Id);
        var points = events.Where(e => e.ContainsKey("seq")).ToList();
        Assert.Equal(stored.Select(p => p.Seq), points.Select(p => p["seq"]!.GetValue<long>()));
        Assert.Equal(stored.Select(p => p.Name), points.Select(p => p["name"]!.GetValue<string>()));
        var final = events[^1];
        Assert.Equal("JOB_STATE_SUCCEEDED", final["state"]!.GetValue<string>());
        Assert.Equal(stored.Count + 1, final["next_seq"]!.GetValue<long>());

        var resumed = await NodeWatchClient.WatchAsync($"127.0.0.1:{_grpc}", DojoFactory.InstructorToken, job.Id, 1000);
        Assert.Equal(Enumerable.Range(1000, stored.Count - 999).Select(i => (long)i),
            resumed.Where(e => e.ContainsKey("seq")).Select(e => e["seq"]!.GetValue<long>()));
        Assert.Equal("JOB_STATE_SUCCEEDED", resumed[^1]["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_hundred_and_fifty_watchers_on_one_connection_all_get_points()
    {
        var client = await StartApiAsync(inProcessWorker: true);
        await WaitReadyAsync(client);
        var job = await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 10000)));
        await client.WaitAsync(job.Id, j => j.State == Domain.Jobs.JobState.Running);

        // One channel, one HTTP/2 connection: Kestrel's default of 100 streams would leave 50 of these waiting.
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpc}", new GrpcChannelOptions
        {
            HttpHandler = new BearerHandler(DojoFactory.InstructorToken) { InnerHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false } },
        });
        var jobs = new Protos.V1.Jobs.JobsClient(channel);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var calls = Enumerable.Range(0, 150).Select(_ => jobs.WatchJob(new WatchJobRequest { JobId = job.Id.ToString(), FromSeq = 1 }, cancellationToken: stop.Token)).ToList();
        var first = await Task.WhenAll(calls.Select(async call => await call.ResponseStream.MoveNext(stop.Token) && call.ResponseStream.Current.Metric is not null));

        Assert.All(first, Assert.True);
        await stop.CancelAsync();
        foreach (var call in calls) call.Dispose();
        await client.Http.PostAsync($"/api/jobs/{job.Id}/cancel", null);
    }

    [Fact]
    public async Task Api_without_a_live_worker_is_not_ready_and_refuses_jobs()
    {
        var client = await StartApiAsync(inProcessWorker: false);

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await client.Http.GetAsync("/health/ready")).StatusCode);
        var response = await client.Http.PostAsync("/api/jobs", new StringContent(DojoClient.Sample("xor").ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no live worker", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Body_over_the_configured_limit_is_a_413_problem()
    {
        var client = await StartApiAsync(inProcessWorker: false);
        var huge = DojoClient.With(DojoClient.Sample("xor"), ("name", new string('x', 2 * 1024 * 1024)));

        var response = await client.Http.PostAsync("/api/jobs", new StringContent(huge.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == System.Net.HttpStatusCode.RequestEntityTooLarge, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_2_gb_data_set_upload_is_a_413_before_it_is_read_and_nothing_is_stored()
    {
        var client = await StartApiAsync(inProcessWorker: false);
        var content = new StreamContent(new EndlessZeros());
        content.Headers.ContentLength = 2L << 30;
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("multipart/form-data") { Parameters = { new("boundary", "x") } };

        // Expect: 100-continue, as upload tools send it: the server answers before the client sends the body.
        // HttpClient sends the body anyway after Expect100ContinueTimeout (1 s by default); on a busy machine the
        // first answer of a fresh API can take longer, and the client would then see its write cut by the 413's
        // close instead of the 413. Waiting longer tests the claim itself: the answer comes before any body byte.
        using var http = new HttpClient(new BearerHandler(DojoFactory.InstructorToken)
            { InnerHandler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(2) } })
            { BaseAddress = client.Http.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/datasets/uploads") { Content = content };
        request.Headers.ExpectContinue = true;
        var response = await http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("MaxUploadBytes", await response.Content.ReadAsStringAsync());
        Assert.Empty((await client.Http.GetFromJsonAsync<JsonArray>("/api/datasets/uploads"))!);
        Assert.False(Directory.Exists(Path.Combine(_data, "datasets")));
    }

    [Fact]
    public async Task Uploads_that_decompress_to_near_the_limit_leave_the_apis_memory_flat()
    {
        const int count = 1500, side = 256; // 98 MB of pixels, under a limit of 100 MB; about 100 KB as gzip
        var api = Start(DojoProcess.Api(_data, _rest, _grpc, inProcessWorker: false, ("Dojo__Limits__MaxDatasetBytes", "100000000")));
        await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));
        var http = Client(DojoFactory.InstructorToken);
        byte[] images = Gzip(Idx([count, side, side], new byte[count * side * side]));
        byte[] labels = Gzip(Idx([count], Enumerable.Range(0, count).Select(i => (byte)(i % 2)).ToArray()));

        var resident = new List<long>();
        for (int i = 0; i < 20; i++)
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent($"zeros {i}"), "name" },
                { new ByteArrayContent(images), "images", "images.idx.gz" },
                { new ByteArrayContent(labels), "labels", "labels.idx.gz" },
            };
            var response = await http.PostAsync("/api/datasets/uploads", form);
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            resident.Add(api.ResidentBytes());
        }

        long warm = resident[2], last = resident[^1];
        Assert.True(last <= warm * 1.1, $"resident memory after each upload (MB): {string.Join(", ", resident.Select(r => r >> 20))}");
    }

    private static byte[] Idx(int[] dimensions, byte[] data)
    {
        using var idx = new MemoryStream();
        idx.Write([0, 0, 0x08, (byte)dimensions.Length]);
        foreach (int d in dimensions) idx.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        idx.Write(data);
        return idx.ToArray();
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var zipped = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(zipped, System.IO.Compression.CompressionLevel.Fastest)) gzip.Write(bytes);
        return zipped.ToArray();
    }

    /// <summary>A body that would go on for ever: the server must refuse it by its declared length, not by reading it.</summary>
    private sealed class EndlessZeros : Stream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Clear(buffer, offset, count);
            return count;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Second_hangfire_server_on_one_sqlite_file_refuses_to_start()
    {
        var client = await StartApiAsync(inProcessWorker: true);
        await WaitReadyAsync(client);

        var intruder = Start(DojoProcess.Worker(_data));
        int exit = await intruder.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exit);
        Assert.Contains("Another Hangfire server already serves", intruder.Output);
        Assert.Contains("Dojo__Worker__InProcess=false", intruder.Output);
    }

    [Fact]
    public async Task First_start_prints_an_instructor_token_once_a_submission_survives_an_api_restart_and_a_configured_token_recovers_the_instructor()
    {
        var first = Start(DojoProcess.Api(_data, _rest, _grpc, inProcessWorker: false, ("Dojo__Auth__BootstrapToken", "")));
        string token = (await first.WaitForOutputAsync(@"^\s+(dojo_[A-Za-z0-9_-]{43})\s*$", TimeSpan.FromSeconds(60))).Groups[1].Value;
        await first.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));
        var instructor = Client(token);
        var me = (await instructor.GetFromJsonAsync<JsonObject>("/api/me"))!;
        Assert.Equal(("instructor", "instructor"), (me["name"]!.GetValue<string>(), me["role"]!.GetValue<string>()));

        var created = (await (await instructor.PostAsJsonAsync("/api/users", new { name = "再起動 確認" })).Content.ReadFromJsonAsync<JsonObject>())!;
        var student = Client(created["secret"]!.GetValue<string>());
        var exercise = await CourseHelpers.SeededExerciseAsync(instructor, 2);
        var upload = await student.PostAsync($"/api/exercises/{exercise}/submissions/file", CourseHelpers.FilePart(CourseHelpers.Pdf, "r.pdf"));
        Assert.Equal(System.Net.HttpStatusCode.Created, upload.StatusCode);
        var submissionId = (await upload.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        first.Kill(); // SIGKILL: nothing is flushed on the way out
        // The restart is also the README's recovery of a lost first token: started with a new one in configuration.
        const string recovered = "dojo_recovered-after-a-lost-token-0123";
        var second = Start(DojoProcess.Api(_data, _rest, _grpc, inProcessWorker: false, ("Dojo__Auth__BootstrapToken", recovered)));
        await second.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));

        Assert.DoesNotContain("first start", second.Output);
        var kept = (await student.GetFromJsonAsync<JsonObject>($"/api/submissions/{submissionId}"))!;
        Assert.Equal(1, kept["attempt"]!.GetValue<int>());
        Assert.Equal(CourseHelpers.Pdf, await student.GetByteArrayAsync($"/api/submissions/{submissionId}/file"));
        var again = (await Client(recovered).GetFromJsonAsync<JsonObject>("/api/me"))!;
        Assert.Equal(me["id"]!.GetValue<Guid>(), again["id"]!.GetValue<Guid>()); // the same instructor, not a second one
        Assert.Equal(System.Net.HttpStatusCode.OK, (await instructor.GetAsync("/api/me")).StatusCode); // the first token still works
    }

    private HttpClient Client(string token) => DojoProcess.Client(_rest, token);

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
