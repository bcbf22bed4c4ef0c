using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Bench;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Protos.V1;
using static Dojo.Bench.BenchApi;

// Dojo's first benchmark, against the real API process (with its in-process worker) on loopback:
//   1. submit -> running latency;
//   2. recorded-by-the-worker -> received-by-a-watcher latency, 1 and 100 concurrent gRPC watchers;
//   3. the same training as a Dojo job and as a bare TorchSharp loop on one thread, alternated;
//   4. Dojo against PyTorch on the course's networks (LeNet, the 5-layer MLP, an LSTM, a GAN, DQN), with a bare TorchSharp
//      loop beside them, one thread each, alternated (PytorchBench);
//   --pytorch: only part 4;
//   --playground instead: the playground page's exact run (the default XOR setting, 500 epochs) by Dojo's engine in this
//   process and by the page's own engine under node (PLAYGROUND_PAGE: the folder of its compiled nn.js and dataset.js),
//   alternated; then a whole exercise-1 grading (two URLs x three seeds x 500 epochs), POST to graded.
//   --scale instead: Dojo on several processes and PostgreSQL (ScaleBench).
//   --slots instead: 20 small jobs with 1 and 2 slots (SlotsBench).
//   --step instead: a LeNet step's parts, libtorch's way against Dojo's CPU paths (StepProfile).
// Usage: bench/run.sh [rounds] [--pytorch | --playground | --scale | --slots | --step]   (builds Release, then runs this)

int rounds = args.Length > 0 ? int.Parse(args[0]) : 5;
bool pytorchOnly = args.Contains("--pytorch"); // only part 4
bool playground = args.Contains("--playground");
string root = FindRoot();
if (args.Contains("--scale"))
{
    await ScaleBench.RunAsync(root, rounds);
    return;
}
if (args.Contains("--step"))
{
    StepProfile.Run();
    return;
}
if (args.Contains("--slots"))
{
    await SlotsBench.RunAsync(root, rounds);
    return;
}
string data = Path.Combine(Path.GetTempPath(), "dojo-bench", Guid.NewGuid().ToString("N"));
int rest = 5180, grpc = 5181;

// The bench calls as the instructor it bootstraps (every request then also pays the token lookup, as in production).
string token = "dojo_bench-" + Guid.NewGuid().ToString("N");
using var api = StartProcess(root, "Api", Path.Combine(data, "api"), token, Urls(rest, grpc));
var http = Client(rest, token);
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
if (!pytorchOnly) await JobMachineryAsync();

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
    using var channel = Channel(grpc, token);
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
            dojo.Add(RunTime(job).TotalMilliseconds);
        }
        double ratio = Stats.Median(dojo) / Stats.Median(bare);
        Console.WriteLine($"{name}:");
        Console.WriteLine($"   bare loop  median {Stats.Median(bare),8:F0} ms    dojo job  median {Stats.Median(dojo),8:F0} ms    dojo/bare {ratio:F3} ({(ratio - 1) * 100:+0.0;-0.0}%)");
        Console.WriteLine($"   (Dojo's trainer alone, in this process, no job machinery: median {Stats.Median(trainer),8:F0} ms, trainer/bare {Stats.Median(trainer) / Stats.Median(bare):F3})");
    }

}

// 4. Dojo against PyTorch (and a bare TorchSharp loop) on the course's networks.
await PytorchBench.RunAsync(http, root, rounds);

api.Kill(entireProcessTree: true);
try { Directory.Delete(data, recursive: true); } catch (IOException) { }
return;

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dojo.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("Dojo.sln not found");
}
