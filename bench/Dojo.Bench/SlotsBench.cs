using System.Diagnostics;
using System.Text.Json.Nodes;
using static Dojo.Bench.BenchApi;

namespace Dojo.Bench;

/// <summary>
/// Using the cores: a batch of 20 small jobs (LeNet, 2 epochs on 1,000 MNIST images, then on 4,000) submitted at once to an API with its
/// in-process worker set three ways — 1 slot with 1 intra-op thread, 1 slot with 2, 2 slots with 1 each — in an order
/// that rotates round by round, a fresh process and data directory each time. The figure is the batch's wall time, from
/// the first POST to the last job's finish, and the jobs per hour it makes; beside it each job's own run, its training
/// loop's rate, and the API process's CPU during the batch by kind of thread (<see cref="ThreadCpu"/>), which tell
/// slower training apart from work that took the second core from it.
/// DOJO_BENCH_SLOT_IMAGES: the sizes (comma-separated; default 1000,4000).
/// Usage: bench/run.sh [rounds] --slots
/// </summary>
public static class SlotsBench
{
    private const int Jobs = 20;

    public static async Task RunAsync(string root, int rounds)
    {
        var sizes = Environment.GetEnvironmentVariable("DOJO_BENCH_SLOT_IMAGES") is { Length: > 0 } given ? given.Split(',').Select(int.Parse) : [1000, 4000];
        foreach (int images in sizes) await RunAsync(root, rounds, images);
    }

    private static async Task RunAsync(string root, int rounds, int images)
    {
        string token = "dojo_bench-" + Guid.NewGuid().ToString("N");
        string data = Path.Combine(Path.GetTempPath(), "dojo-bench-slots", Guid.NewGuid().ToString("N"));
        var request = With(JsonNode.Parse(File.ReadAllText(Path.Combine(root, "samples/lenet-mnist.json")))!.AsObject(),
            ("dataset.trainCount", images), ("dataset.testCount", images / 5), ("training.epochs", 2), ("training.batchSize", 64));
        (int Slots, int Threads)[] setups = [(1, 1), (1, 2), (2, 1)];
        var seconds = setups.ToDictionary(s => s, _ => new List<double>());
        var runTimes = setups.ToDictionary(s => s, _ => new List<double>());
        var trainingRates = setups.ToDictionary(s => s, _ => new List<double>());
        var cpu = setups.ToDictionary(s => s, _ => new List<ThreadCpu>());
        var processes = new List<Process>();
        try
        {
            for (int round = 0; round < rounds; round++)
                for (int k = 0; k < setups.Length; k++)
                {
                    var setup = setups[(round + k) % setups.Length];
                    var api = StartProcess(root, "Api", Path.Combine(data, $"{round}-{setup.Slots}x{setup.Threads}"), token,
                        [.. Urls(5190, 5191), ("Dojo__Worker__Slots", setup.Slots.ToString()), ("Dojo__Worker__IntraOpThreads", setup.Threads.ToString())]);
                    processes.Add(api);
                    var http = Client(5190, token);
                    await WaitReadyAsync(http);
                    await SubmitAndWaitAsync(http, request, pollMs: 100); // warm-up: the JIT, the data set's first read
                    var cpuBefore = ThreadCpu.Read(api.Id);
                    var started = DateTime.UtcNow;
                    var ids = new List<string>();
                    for (int i = 0; i < Jobs; i++) ids.Add(await SubmitAsync(http, request));
                    var finished = new List<DateTime>();
                    foreach (var id in ids)
                    {
                        var job = await WaitSucceededAsync(http, id, pollMs: 250);
                        finished.Add(job.GetProperty("finishedAt").GetDateTime());
                        runTimes[setup].Add(RunTime(job).TotalSeconds);
                        if (job.GetProperty("result").TryGetProperty("samples_per_sec", out var rate)) trainingRates[setup].Add(rate.GetDouble());
                    }
                    seconds[setup].Add((finished.Max() - started).TotalSeconds);
                    cpu[setup].Add(ThreadCpu.Read(api.Id) - cpuBefore);
                    Console.WriteLine($"{images} images, round {round + 1}, {setup.Slots} slot(s) x {setup.Threads} thread(s): {Jobs} jobs in {seconds[setup][^1]:F1} s");
                    Stop(processes);
                }
        }
        finally
        {
            Stop(processes);
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
        Console.WriteLine($"{Jobs} small jobs (LeNet, {images} images, 2 epochs), {Environment.ProcessorCount} cores:");
        foreach (var (setup, values) in seconds)
            Console.WriteLine($"   {setup.Slots} slot(s) x {setup.Threads} intra-op thread(s): median {Stats.Median(values),6:F1} s (min {values.Min():F1}, max {values.Max():F1})" +
                              $" = {Jobs * 3600 / Stats.Median(values):F0} jobs/hour; a job's own run (claim to finish) median {Stats.Median(runTimes[setup]):F2} s, " +
                              $"its training loop {Stats.Median(trainingRates[setup]):F0} samples/s");
        Console.WriteLine("   the API process's CPU during a batch (median s): training threads, JIT compiler, GC, other threads, total");
        foreach (var (setup, used) in cpu)
            Console.WriteLine($"   {setup.Slots} slot(s) x {setup.Threads} thread(s): {Stats.Median(used.Select(u => u.Training).ToList()),5:F2} " +
                              $"{Stats.Median(used.Select(u => u.Jit).ToList()),5:F2} {Stats.Median(used.Select(u => u.Gc).ToList()),5:F2} " +
                              $"{Stats.Median(used.Select(u => u.Other).ToList()),5:F2} {Stats.Median(used.Select(u => u.Total).ToList()),6:F2}");
        foreach (var baseline in new[] { (1, 1), (1, 2) })
        {
            var ratios = seconds[(2, 1)].Zip(seconds[baseline], (two, one) => two / one).ToList();
            Console.WriteLine($"   time, 2 slots / 1 slot x {baseline.Item2} thread(s): {Stats.Median(seconds[(2, 1)]) / Stats.Median(seconds[baseline]):F2} (round by round {ratios.Min():F2}–{ratios.Max():F2})");
        }
    }
}
