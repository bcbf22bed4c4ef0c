using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dojo.Domain.Playground;

namespace Dojo.Bench;

/// <summary>
/// The exercise-1 engine: Dojo's exact page run against the page's own engine under node, alternated (each side times
/// its 500 epochs, losses included, after its data and weights are drawn); then a whole grading through the real API.
/// </summary>
public static class PlaygroundBench
{
    private const string Xor = "activation=tanh&batchSize=10&dataset=xor&learningRate=0.03&noise=0&networkShape=4,2&seed=0.37934&percTrainData=50&x=true&y=true";
    private const string Spiral = "activation=tanh&batchSize=10&dataset=spiral&learningRate=0.03&noise=0&networkShape=8,8,6,6&seed=0.12345&percTrainData=50&x=true&y=true&sinX=true&sinY=true";
    private const int Epochs = 500;

    public static async Task RunAsync(HttpClient http, string root, int rounds)
    {
        string? page = Environment.GetEnvironmentVariable("PLAYGROUND_PAGE");
        string script = Path.Combine(root, "bench/playground/page-run.js");
        var dojo = new List<double>();
        var node = new List<double>();
        Exact(Xor); // warm-up: the JIT
        var spiral = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            dojo.Add(Exact(Xor));
            if (page is not null) node.Add(Node(script, page));
            spiral.Add(Exact(Spiral));
        }
        Console.WriteLine($"exact page run, default XOR (2-4-2-1 tanh, batch 10, 250 training points), {Epochs} epochs, 1 thread:");
        Console.WriteLine(page is null
            ? $"   dojo median {Stats.Median(dojo),8:F1} ms   (set PLAYGROUND_PAGE to time the page's own engine beside it)"
            : $"   page engine (node) median {Stats.Median(node),8:F1} ms    dojo median {Stats.Median(dojo),8:F1} ms    dojo/page {Stats.Median(dojo) / Stats.Median(node):F3}");
        Console.WriteLine($"   (dojo, the grading's spiral setting 6-8-8-6-6-1 with sin x, sin y: median {Stats.Median(spiral),8:F1} ms)");

        // One exact job through the API: its run on the worker (started to finished), beside the trainer alone above.
        var job = new List<double>();
        var request = new System.Text.Json.Nodes.JsonObject { ["kind"] = "playground", ["url"] = "https://playground.tensorflow.org/#" + Xor };
        for (int i = 0; i <= rounds; i++)
        {
            var submitted = await (await http.PostAsJsonAsync("/api/jobs", request)).Content.ReadFromJsonAsync<JsonElement>();
            JsonElement done;
            do
            {
                await Task.Delay(50); // the figure is the worker's own started-to-finished; polling harder would only take its CPU
                done = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{submitted.GetProperty("id").GetString()}");
            } while (done.GetProperty("state").GetString() is "queued" or "running");
            if (i > 0) job.Add((done.GetProperty("finishedAt").GetDateTime() - done.GetProperty("startedAt").GetDateTime()).TotalMilliseconds);
        }
        Console.WriteLine($"   (the same as a job, started to finished on the worker: median {Stats.Median(job),8:F1} ms)");

        // A whole grading: POST, then poll until graded; the rule's runs (three seeds per URL, 500 epochs) as the service runs them.
        var graded = new List<double>();
        await GradeAsync(http); // warm-up
        for (int i = 0; i < rounds; i++) graded.Add(await GradeAsync(http));
        Console.WriteLine($"exercise-1 grading (xor 2-4-2-1, spiral 6-8-8-6-6-1; 3 seeds x {Epochs} epochs each), POST to graded (its last run's finish):");
        Console.WriteLine($"   {Stats.Summary(graded)}");
        if (page is not null) // the machine's speed swings through the day; the page engine timed in the same run is the yardstick
            Console.WriteLine($"   grading p50 / page engine's one XOR run: {Stats.Median(graded) / Stats.Median(node):F2}");
    }

    private static double Exact(string fragment)
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#" + fragment);
        var run = new PageRun(state, state.Seed!);
        var clock = Stopwatch.StartNew();
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            run.Epoch();
            _ = (run.Train(), run.Test());
        }
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Node(string script, string page)
    {
        var start = new ProcessStartInfo("node", [script, Xor, Epochs.ToString()]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PLAYGROUND_PAGE"] = page;
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"node: {process.StandardError.ReadToEnd()}");
        return JsonDocument.Parse(output).RootElement.GetProperty("ms").GetDouble();
    }

    /// <summary>
    /// POST to graded. A grading reads graded the moment its last run finishes, so that moment comes from the runs'
    /// recorded finish times (the API and the bench share this machine's clock); the bench polls only every 100 ms to
    /// learn that it happened — a client polling harder would take CPU from the very runs it waits for.
    /// </summary>
    private static async Task<double> GradeAsync(HttpClient http)
    {
        var posted = DateTime.UtcNow;
        var response = await http.PostAsJsonAsync("/api/playground/gradings", new
        {
            urls = new { xor = "https://playground.tensorflow.org/#" + Xor, spiral = "https://playground.tensorflow.org/#" + Spiral },
        });
        response.EnsureSuccessStatusCode();
        var location = response.Headers.Location!;
        JsonElement grading;
        while ((grading = await http.GetFromJsonAsync<JsonElement>(location)).GetProperty("state").GetString() != "graded") await Task.Delay(100);
        var finished = new List<DateTime>();
        foreach (var dataset in grading.GetProperty("datasets").EnumerateArray())
            foreach (var run in dataset.GetProperty("jobs").EnumerateArray())
                finished.Add((await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{run.GetProperty("jobId").GetString()}")).GetProperty("finishedAt").GetDateTime().ToUniversalTime());
        return (finished.Max() - posted).TotalMilliseconds;
    }
}
