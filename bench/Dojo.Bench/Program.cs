using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Bench;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

// Dojo's first benchmark, against the real API process (with its in-process worker) on loopback:
//   1. submit -> running latency;
//   2. recorded-by-the-worker -> received-by-a-watcher latency, 1 and 100 concurrent gRPC watchers;
//   3. the same training as a Dojo job and as a bare TorchSharp loop on one thread, alternated;
//   4. the same for an LSTM over MNIST rows (sequence 28, hidden 128, batch 64), in samples per second;
//   --playground instead: the playground page's exact run (the default XOR setting, 500 epochs) by Dojo's engine in this
//   process and by the page's own engine under node (PLAYGROUND_PAGE: the folder of its compiled nn.js and dataset.js),
//   alternated; then a whole exercise-1 grading (two URLs x three seeds x 500 epochs), POST to graded.
//   --scale instead: Dojo on several processes and PostgreSQL (ScaleBench).
// Usage: bench/run.sh [rounds] [--lstm-only | --playground | --scale]   (builds Release, then runs this)

int rounds = args.Length > 0 ? int.Parse(args[0]) : 5;
bool lstmOnly = args.Contains("--lstm-only"); // only part 4
bool playground = args.Contains("--playground");
string root = FindRoot();
if (args.Contains("--scale"))
{
    await ScaleBench.RunAsync(root, rounds);
    return;
}
string apiDll = Path.Combine(root, "src/Api/bin/Release/net10.0/linux-x64/Dojo.Api.dll");
string data = Path.Combine(Path.GetTempPath(), "dojo-bench", Guid.NewGuid().ToString("N"));
int rest = 5180, grpc = 5181;

// The bench calls as the instructor it bootstraps (every request then also pays the token lookup, as in production).
string token = "dojo_bench-" + Guid.NewGuid().ToString("N");
using var api = StartApi(apiDll, data, rest, grpc, token);
var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rest}") };
http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
await WaitReadyAsync(http);
var xor = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "samples/xor.json")))!.AsObject();
Console.WriteLine($"Dojo bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, rounds={rounds}");

if (playground)
{
    await PlaygroundBench.RunAsync(http, root, rounds);
    api.Kill(entireProcessTree: true);
    try { Directory.Delete(data, recursive: true); } catch (IOException) { }
    return;
}
if (!lstmOnly) await JobMachineryAsync();

async Task JobMachineryAsync()
{
    // 1. submit -> running (the worker's claim time minus the moment the client started the POST).
    var startLatency = new List<double>();
    var tiny = With(xor, ("training.epochs", 1));
    await SubmitAndWaitAsync(http, tiny); // warm-up
    for (int i = 0; i < 10 * rounds; i++)
    {
        var submittedAt = DateTime.UtcNow;
        var job = await SubmitAndWaitAsync(http, tiny);
        startLatency.Add((job.GetProperty("startedAt").GetDateTime() - submittedAt).TotalMilliseconds);
    }
    Console.WriteLine($"submit -> running        {Stats.Summary(startLatency)}");

    // 2. watcher latency with 1 and 100 concurrent watchers.
    var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
    using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}", new GrpcChannelOptions
    {
        HttpHandler = handler,
        Credentials = Grpc.Core.ChannelCredentials.Create(Grpc.Core.ChannelCredentials.Insecure,
            Grpc.Core.CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("Authorization", $"Bearer {token}"); return Task.CompletedTask; })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });
    var client = new Jobs.JobsClient(channel);
    foreach (int watchers in new[] { 1, 100 })
    {
        var job = await SubmitAsync(http, With(xor, ("training.epochs", 400)));
        var tasks = Enumerable.Range(0, watchers).Select(_ => WatchAsync(client, job)).ToList();
        var latencies = (await Task.WhenAll(tasks)).SelectMany(l => l).ToList();
        Console.WriteLine($"watch, {watchers,3} watcher(s)    {Stats.Summary(latencies)}");
    }

    // 3. Dojo job vs bare loop, alternated, one thread each.
    var workloads = new (string Name, JsonObject Request)[]
    {
        ("xor 4-2 tanh, 500 epochs, batch 10", With(xor, ("training.epochs", 500))),
        ("mlp 64-64 relu on 10k gauss points, 20 epochs, batch 64", With(xor,
            ("dataset", JsonNode.Parse("""{ "generator": "gauss", "samples": 10000, "noise": 20, "features": ["x1", "x2", "x1Squared", "x2Squared", "x1X2", "sinX1", "sinX2"] }""")),
            ("network", JsonNode.Parse("""{ "layers": [ { "type": "dense", "units": 64 }, { "type": "activation", "function": "relu" }, { "type": "dense", "units": 64 }, { "type": "activation", "function": "relu" }, { "type": "dense", "units": 1 } ] }""")),
            ("optimizer", JsonNode.Parse("""{ "kind": "adam", "learningRate": 0.001 }""")),
            ("training.epochs", 20), ("training.batchSize", 64))),
    };
    foreach (var (name, request) in workloads)
    {
        var specJson = request.DeepClone().AsObject();
        specJson.Remove("name");
        var spec = (SupervisedSpec)SpecJson.Deserialize<JobSpec>(specJson);
        for (int i = 0; i < 3; i++) // warm-up both sides (JIT tiers, caches)
        {
            OnTrainingThread(() => BareLoop.Train(spec));
            OnTrainingThread(() => TrainerOnly.Train(spec));
            await SubmitAndWaitAsync(http, request, pollMs: 250);
        }
        var bare = new List<double>();
        var dojo = new List<double>();
        var trainer = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            bare.Add(OnTrainingThread(() => BareLoop.Train(spec)).TotalMilliseconds);
            trainer.Add(OnTrainingThread(() => TrainerOnly.Train(spec)).TotalMilliseconds);
            // Timed by the worker's own claim and finish timestamps; the client polls rarely so as not to load the API meanwhile.
            var job = await SubmitAndWaitAsync(http, request, pollMs: 250);
            dojo.Add((job.GetProperty("finishedAt").GetDateTime() - job.GetProperty("startedAt").GetDateTime()).TotalMilliseconds);
        }
        double ratio = Stats.Median(dojo) / Stats.Median(bare);
        Console.WriteLine($"{name}:");
        Console.WriteLine($"   bare loop  median {Stats.Median(bare),8:F0} ms    dojo job  median {Stats.Median(dojo),8:F0} ms    dojo/bare {ratio:F3} ({(ratio - 1) * 100:+0.0;-0.0}%)");
        Console.WriteLine($"   (Dojo's trainer alone, in this process, no job machinery: median {Stats.Median(trainer),8:F0} ms, trainer/bare {Stats.Median(trainer) / Stats.Median(bare):F3})");
    }

}

// 4. An LSTM (sequence 28, hidden 128, batch 64): MNIST images read row by row, as a Dojo job and as a bare loop, alternated.
var lstm = JsonNode.Parse("""
    {
      "name": "bench lstm",
      "dataset": { "kind": "builtin", "name": "mnistSubset", "asSequence": true, "trainCount": 4000, "testCount": 1000, "validationPercent": 10, "seed": 1 },
      "network": { "layers": [ { "type": "lstm", "hiddenSize": 128 }, { "type": "dense", "units": 10 }, { "type": "activation", "function": "softmax" } ] },
      "optimizer": { "kind": "adam", "learningRate": 0.001 },
      "training": { "loss": "crossEntropy", "batchSize": 64, "epochs": 2, "seed": 1, "device": "cpu" }
    }
    """)!.AsObject();
{
    var specJson = lstm.DeepClone().AsObject();
    specJson.Remove("name");
    var spec = (SupervisedSpec)SpecJson.Deserialize<JobSpec>(specJson);
    string builtin = Path.Combine(AppContext.BaseDirectory, "datasets");
    long samples = (long)spec.Dataset.SplitSizes().Train * spec.Training.Epochs;
    OnTrainingThread(() => BareLstmLoop.Train(spec, builtin)); // warm-up
    await SubmitAndWaitAsync(http, lstm, pollMs: 250);
    var bare = new List<double>();
    var dojo = new List<double>();
    for (int i = 0; i < rounds; i++)
    {
        bare.Add(samples / OnTrainingThread(() => BareLstmLoop.Train(spec, builtin)).TotalSeconds);
        var job = await SubmitAndWaitAsync(http, lstm, pollMs: 250);
        dojo.Add(samples / (job.GetProperty("finishedAt").GetDateTime() - job.GetProperty("startedAt").GetDateTime()).TotalSeconds);
    }
    Console.WriteLine($"lstm 28 steps x 28 -> 128 -> 10, batch 64, {samples} training samples, 1 thread:");
    Console.WriteLine($"   bare loop  median {Stats.Median(bare),8:F0} samples/s    dojo job  median {Stats.Median(dojo),8:F0} samples/s    dojo/bare {Stats.Median(dojo) / Stats.Median(bare):F3}");
}


api.Kill(entireProcessTree: true);
try { Directory.Delete(data, recursive: true); } catch (IOException) { }
return;

// LibTorch's thread count is per OS thread: set it on the thread that trains, as the worker does, never across an await.
static TimeSpan OnTrainingThread(Func<TimeSpan> train)
{
    TimeSpan elapsed = default;
    var thread = new Thread(() =>
    {
        TorchSharp.torch.set_num_threads(1);
        elapsed = train();
    });
    thread.Start();
    thread.Join();
    return elapsed;
}

static async Task<List<double>> WatchAsync(Jobs.JobsClient client, string jobId)
{
    var connectedAt = DateTime.UtcNow;
    var latencies = new List<double>();
    using var call = client.WatchJob(new WatchJobRequest { JobId = jobId, FromSeq = 1 });
    await foreach (var e in call.ResponseStream.ReadAllAsync())
    {
        if (e.EventCase != JobEvent.EventOneofCase.Metric) continue;
        var now = DateTime.UtcNow;
        var recorded = e.Metric.RecordedAt.ToDateTime();
        if (recorded > connectedAt) latencies.Add((now - recorded).TotalMilliseconds); // live points only, not the replay
    }
    return latencies;
}

static async Task<string> SubmitAsync(HttpClient http, JsonObject request)
{
    var response = await http.PostAsJsonAsync("/api/jobs", request);
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
}

static async Task<JsonElement> SubmitAndWaitAsync(HttpClient http, JsonObject request, int pollMs = 20)
{
    string id = await SubmitAsync(http, request);
    while (true)
    {
        var job = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
        string state = job.GetProperty("state").GetString()!;
        if (state == "succeeded") return job;
        if (state is "failed" or "diverged" or "cancelled")
            throw new InvalidOperationException($"job {id} ended {state}: {(job.TryGetProperty("reason", out var reason) ? reason.GetString() : "")}");
        await Task.Delay(pollMs);
    }
}

static JsonObject With(JsonObject sample, params (string Path, JsonNode? Value)[] changes)
{
    var copy = sample.DeepClone().AsObject();
    foreach (var (path, value) in changes)
    {
        var parts = path.Split('.');
        var node = copy;
        foreach (var part in parts[..^1]) node = node[part]!.AsObject();
        node[parts[^1]] = value?.DeepClone();
    }
    return copy;
}

static Process StartApi(string dll, string data, int rest, int grpc, string token)
{
    if (!File.Exists(dll)) throw new FileNotFoundException("build the API in Release first (bench/run.sh does)", dll);
    var start = new ProcessStartInfo("dotnet", dll) { RedirectStandardOutput = true, RedirectStandardError = true };
    start.Environment["Dojo__DataDirectory"] = data;
    start.Environment["Kestrel__Endpoints__Rest__Url"] = $"http://127.0.0.1:{rest}";
    start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}";
    start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
    start.Environment["Dojo__Auth__BootstrapToken"] = token;
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static async Task WaitReadyAsync(HttpClient http)
{
    for (int i = 0; i < 600; i++)
    {
        try
        {
            if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return;
        }
        catch (HttpRequestException) { }
        await Task.Delay(100);
    }
    throw new TimeoutException("the API did not become ready");
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dojo.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("Dojo.sln not found");
}
