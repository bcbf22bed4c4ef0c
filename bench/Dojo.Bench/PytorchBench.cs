using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using static Dojo.Bench.BenchApi;

namespace Dojo.Bench;

/// <summary>
/// Dojo against what a student would use instead, one thread each, alternated round by round (the order rotating): the
/// same spec as a Dojo job (the worker's claim-to-finish), as a bare TorchSharp loop in this process (supervised kinds),
/// and as PyTorch (bench/peer/torch_peer.py: Debian's python3-torch with OpenBLAS, a warm server fed the same JSON).
/// Each side's figure is training samples per second over the whole run — data loading, every epoch's training and
/// held-out figures, the final test and training-set passes — for LeNet, the course's 5-layer MLP, an LSTM over image
/// rows, a GAN on the ring of 8 Gaussians (real samples/s) and DQN on the cart-pole (environment steps/s).
/// DOJO_BENCH_WORKLOADS picks some (comma-separated names); DOJO_BENCH_PYTHON, DOJO_BENCH_BLAS and
/// DOJO_BENCH_OPENBLAS_CORETYPE change the peer's interpreter, BLAS folder and OpenBLAS kernels.
/// </summary>
public static class PytorchBench
{
    private sealed record Workload(string Name, string Description, JsonObject Request, bool Bare);

    public static async Task RunAsync(HttpClient http, string root, int rounds)
    {
        var workloads = Workloads(root);
        if (Environment.GetEnvironmentVariable("DOJO_BENCH_WORKLOADS") is { Length: > 0 } chosen)
            workloads = workloads.Where(w => chosen.Split(',').Contains(w.Name)).ToList();
        using var peer = new Peer(root);
        Console.WriteLine($"PyTorch peer: torch {peer.Version}, {peer.Threads} thread(s), BLAS from {peer.Blas}; Dojo: libtorch {TorchSharp.torch.__version__}, 1 intra-op thread");
        string builtin = Path.Combine(AppContext.BaseDirectory, "datasets");
        var rows = new List<string>();
        foreach (var workload in workloads)
        {
            var spec = Spec(workload.Request);
            var sides = new List<(string Name, Func<Task<double>> Seconds)>
            {
                ("dojo", async () => RunTime(await SubmitAndWaitAsync(http, workload.Request, pollMs: 250)).TotalSeconds),
                ("pytorch", async () => (await peer.RunAsync(workload.Request)).Seconds),
            };
            if (workload.Bare) sides.Add(("torchsharp", () => Task.FromResult(OnTrainingThread(() => BareNetLoop.Train((SupervisedSpec)spec, builtin)).TotalSeconds)));
            long samples = (await peer.RunAsync(workload.Request)).Samples; // warm-up of every side; the peer says how many samples a run sees
            foreach (var side in sides) await side.Seconds();
            var rates = sides.ToDictionary(s => s.Name, _ => new List<double>());
            for (int round = 0; round < rounds; round++)
                for (int k = 0; k < sides.Count; k++)
                {
                    var side = sides[(round + k) % sides.Count];
                    rates[side.Name].Add(samples / await side.Seconds());
                }
            var ratios = rates["dojo"].Zip(rates["pytorch"], (d, p) => d / p).ToList();
            double ratio = Stats.Median(rates["dojo"]) / Stats.Median(rates["pytorch"]);
            Console.WriteLine($"{workload.Description}, {samples} samples a run:");
            foreach (var (name, values) in rates)
                Console.WriteLine($"   {name,-10} median {Stats.Median(values),8:F0} /s   (min {values.Min():F0}, max {values.Max():F0})");
            Console.WriteLine($"   dojo/pytorch {ratio:F2} (round by round {ratios.Min():F2}–{ratios.Max():F2})" +
                (workload.Bare ? $"   torchsharp/pytorch {Stats.Median(rates["torchsharp"]) / Stats.Median(rates["pytorch"]):F2}" : ""));
            rows.Add($"| {workload.Description} | {Cell(rates["pytorch"])} | {(workload.Bare ? Cell(rates["torchsharp"]) : "—")} | {Cell(rates["dojo"])} | **{ratio:F2}** ({ratios.Min():F2}–{ratios.Max():F2}) |");
            if (JobFlops(spec, builtin) is { } flops)
                Console.WriteLine($"   work: {flops / 1e9:F1} GFLOP a run (dense and convolution layers) = " +
                                  string.Join(", ", rates.Select(r => $"{r.Key} {flops / (samples / Stats.Median(r.Value)) / 1e9:F1} GFLOP/s")));
        }
        var (peak, how) = Flops.CorePeak();
        Console.WriteLine($"one core's peak: {peak:F0} GFLOP/s ({how}); LibTorch's 1024×1024 matrix product on one thread here: {Flops.MatrixProductGFlops():F0} GFLOP/s");
        Console.WriteLine();
        Console.WriteLine("| workload | PyTorch /s | bare TorchSharp /s | Dojo job /s | Dojo/PyTorch (round by round) |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var row in rows) Console.WriteLine(row);
    }

    /// <summary>The floating-point work of a supervised job on images without recurrent layers (null for the others).</summary>
    private static double? JobFlops(JobSpec spec, string builtin)
    {
        if (spec is not SupervisedSpec supervised || supervised.Network.Layers.Any(l => l is RecurrentLayer)) return null;
        return Flops.JobFlops(supervised, Dojo.Domain.Datasets.TrainingData.Load(supervised.Dataset, builtin).SampleShape);
    }

    private static string Cell(List<double> values) => $"{Stats.Median(values):F0} ({values.Min():F0}–{values.Max():F0})";

    private static JobSpec Spec(JsonObject request)
    {
        var json = request.DeepClone().AsObject();
        json.Remove("name");
        return SpecJson.Deserialize<JobSpec>(json);
    }

    private static List<Workload> Workloads(string root)
    {
        JsonObject Sample(string path) => JsonNode.Parse(File.ReadAllText(Path.Combine(root, path)))!.AsObject();
        var mlp = Sample("samples/experiments/optimizers.json")["base"]!.AsObject();
        return
        [
            new("lenet", "LeNet-5 on 28×28 MNIST (batch 64, Adam, 2 epochs)", With(Sample("samples/lenet-mnist.json"), ("training.batchSize", 64), ("training.epochs", 2)), Bare: true),
            new("mlp", "5-layer MLP 784-100-100-100-100-10 (batch 100, SGD, 10 epochs: the course experiments')", With(mlp, ("name", "bench mlp")), Bare: true),
            new("lstm", "LSTM over MNIST rows (sequence 28, hidden 128, batch 64, Adam, 2 epochs)", JsonNode.Parse("""
                {
                  "name": "bench lstm",
                  "dataset": { "kind": "builtin", "name": "mnistSubset", "asSequence": true, "trainCount": 4000, "testCount": 1000, "validationPercent": 10, "seed": 1 },
                  "network": { "layers": [ { "type": "lstm", "hiddenSize": 128 }, { "type": "dense", "units": 10 }, { "type": "activation", "function": "softmax" } ] },
                  "optimizer": { "kind": "adam", "learningRate": 0.001 },
                  "training": { "loss": "crossEntropy", "batchSize": 64, "epochs": 2, "seed": 1, "device": "cpu" }
                }
                """)!.AsObject(), Bare: true),
            new("gan", "GAN on the ring of 8 Gaussians (128-unit MLPs, batch 128, 5 epochs)", With(Sample("samples/gan-ring.json"), ("training.epochs", 5)), Bare: false),
            new("dqn", "DQN on the cart-pole (128-128, replay, target, double, 5,000 steps)", With(Sample("samples/dqn-cartpole.json"), ("training.steps", 5000),
                ("evaluation", JsonNode.Parse("""{ "every": 0, "episodes": 1, "finalEpisodes": 0, "keepBest": false }"""))), Bare: false),
        ];
    }

    /// <summary>bench/peer/torch_peer.py as a server: a spec per line in, its seconds and samples per line out.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Process _process;

        public Peer(string root)
        {
            string python = Environment.GetEnvironmentVariable("DOJO_BENCH_PYTHON") ?? "/usr/bin/python3";
            string blas = Environment.GetEnvironmentVariable("DOJO_BENCH_BLAS") ?? "/usr/lib/x86_64-linux-gnu/openblas-openmp";
            if (!Directory.Exists(blas)) throw new DirectoryNotFoundException($"{blas}: install Debian's libopenblas0-openmp (bench/run.sh does), or set DOJO_BENCH_BLAS");
            var start = new ProcessStartInfo(python, [Path.Combine(root, "bench/peer/torch_peer.py"), "--threads", "1"])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true,
            };
            start.Environment["OMP_NUM_THREADS"] = "1";
            start.Environment["LD_LIBRARY_PATH"] = blas; // OpenBLAS for this process only, whatever the system's libblas.so.3 is
            // OpenBLAS 0.3.21 does not know this Xeon and falls back to SSE3 kernels, 4-5x slower: name its AVX-512 ones.
            start.Environment["OPENBLAS_CORETYPE"] = Environment.GetEnvironmentVariable("DOJO_BENCH_OPENBLAS_CORETYPE") ?? "SKYLAKEX";
            _process = Process.Start(start)!;
            var ready = JsonDocument.Parse(_process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"{python} bench/peer/torch_peer.py did not start (is python3-torch installed?)")).RootElement;
            (Version, Threads) = (ready.GetProperty("torch").GetString()!, ready.GetProperty("threads").GetInt32());
            Blas = $"{ready.GetProperty("blas").GetString()} ({ready.GetProperty("kernels").GetString() ?? "not OpenBLAS"} kernels)";
        }

        public string Version { get; }
        public int Threads { get; }
        public string Blas { get; }

        public async Task<(double Seconds, long Samples)> RunAsync(JsonObject request)
        {
            await _process.StandardInput.WriteLineAsync(request.ToJsonString());
            await _process.StandardInput.FlushAsync();
            string line = await _process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the PyTorch peer stopped");
            var answer = JsonDocument.Parse(line).RootElement;
            return (answer.GetProperty("seconds").GetDouble(), answer.GetProperty("samples").GetInt64());
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000)) _process.Kill();
            _process.Dispose();
        }
    }
}
