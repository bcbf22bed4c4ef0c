using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dojo.Bench;

/// <summary>What every bench does with Dojo from outside: start its processes, submit jobs over HTTP and wait for them.</summary>
public static class BenchApi
{
    /// <summary>
    /// Starts src/{project}'s Release build with its own data directory and the bench's bootstrap token; its console goes
    /// to {data}.log (warnings and errors, a worker's information too), kept for reading.
    /// </summary>
    public static Process StartProcess(string root, string project, string data, string token, params (string, string)[] settings)
    {
        string dll = Path.Combine(root, $"src/{project}/bin/Release/net10.0/linux-x64/Dojo.{project}.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("build Release first (bench/run.sh does)", dll);
        var start = new ProcessStartInfo("dotnet", dll) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["Dojo__DataDirectory"] = data;
        start.Environment["Serilog__MinimumLevel__Default"] = project == "Worker" ? "Information" : "Warning"; // a worker's "offers cpu" line
        start.Environment["Dojo__Auth__BootstrapToken"] = token;
        foreach (var (key, value) in settings) start.Environment[key] = value;
        var process = Process.Start(start)!;
        var offering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (project == "Worker") Offering[process.Id] = offering;
        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        var log = TextWriter.Synchronized(new StreamWriter(data + ".log") { AutoFlush = true });
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            log.WriteLine(e.Data);
            if (e.Data.Contains(" offers ", StringComparison.Ordinal)) offering.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static (string, string)[] Urls(int rest, int grpc) =>
        [("Kestrel__Endpoints__Rest__Url", $"http://127.0.0.1:{rest}"), ("Kestrel__Endpoints__Grpc__Url", $"http://127.0.0.1:{grpc}")];

    public static void Stop(List<Process> processes)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
        processes.Clear();
        Offering.Clear();
    }

    public static HttpClient Client(int rest, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rest}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A gRPC channel to an API's gRPC port that sends the bench's token with every call.</summary>
    public static GrpcChannel Channel(int grpc, string token) => GrpcChannel.ForAddress($"http://127.0.0.1:{grpc}", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure,
            CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("Authorization", $"Bearer {token}"); return Task.CompletedTask; })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });

    /// <summary>Watches a job from its first point; the recorded → received latency of each point recorded after the watch began.</summary>
    public static async Task<List<double>> WatchAsync(Jobs.JobsClient client, string jobId)
    {
        var connectedAt = DateTime.UtcNow;
        var latencies = new List<double>();
        using var call = client.WatchJob(new WatchJobRequest { JobId = jobId, FromSeq = 1 });
        await foreach (var e in call.ResponseStream.ReadAllAsync())
        {
            if (e.EventCase != JobEvent.EventOneofCase.Metric) continue;
            var recorded = e.Metric.RecordedAt.ToDateTime();
            if (recorded > connectedAt) latencies.Add((DateTime.UtcNow - recorded).TotalMilliseconds); // live points only, not the replay
        }
        return latencies;
    }

    public static Task WaitReadyAsync(HttpClient http) => WaitUntilAsync(http, "/health/ready");

    public static Task WaitHealthyAsync(HttpClient http) => WaitUntilAsync(http, "/health/live");

    private static async Task WaitUntilAsync(HttpClient http, string path)
    {
        for (int i = 0; i < 1200; i++)
        {
            try
            {
                if ((await http.GetAsync(path)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{http.BaseAddress}{path} never answered");
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, TaskCompletionSource> Offering = new();

    /// <summary>Until every worker started so far has said it offers its device.</summary>
    public static async Task WaitWorkersAsync(HttpClient http)
    {
        await Task.WhenAll(Offering.Values.Select(t => t.Task)).WaitAsync(TimeSpan.FromMinutes(2));
        await WaitReadyAsync(http);
    }

    public static async Task<string> SubmitAsync(HttpClient http, JsonObject request)
    {
        var response = await http.PostAsJsonAsync("/api/jobs", request);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"submit: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Polls until the job succeeded (and throws when it ended otherwise); a rare poll leaves the worker its CPU.</summary>
    public static async Task<JsonElement> WaitSucceededAsync(HttpClient http, string id, int pollMs)
    {
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

    public static async Task<JsonElement> SubmitAndWaitAsync(HttpClient http, JsonObject request, int pollMs = 20) =>
        await WaitSucceededAsync(http, await SubmitAsync(http, request), pollMs);

    /// <summary>The worker's own claim-to-finish time of a finished job.</summary>
    public static TimeSpan RunTime(JsonElement job) => job.GetProperty("finishedAt").GetDateTime() - job.GetProperty("startedAt").GetDateTime();

    /// <summary>
    /// Runs <paramref name="work"/> on a thread of its own with one LibTorch thread: the count is per OS thread, so it is
    /// set on the thread that trains, as the worker does, never across an await.
    /// </summary>
    public static T OnTrainingThread<T>(Func<T> work)
    {
        T result = default!;
        var thread = new Thread(() =>
        {
            TorchSharp.torch.set_num_threads(1);
            result = work();
        });
        thread.Start();
        thread.Join();
        return result;
    }

    /// <summary>A copy of a job request with values set at dotted paths ("training.epochs").</summary>
    public static JsonObject With(JsonObject sample, params (string Path, JsonNode? Value)[] changes)
    {
        var copy = sample.DeepClone().AsObject();
        foreach (var (path, value) in changes)
        {
            var parts = path.Split('.');
            JsonNode node = copy;
            foreach (var part in parts[..^1]) node = node[part]!;
            node[parts[^1]] = value?.DeepClone();
        }
        return copy;
    }
}
