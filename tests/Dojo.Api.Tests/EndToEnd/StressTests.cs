using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Xunit.Abstractions;

namespace Dojo.Api.Tests.EndToEnd;

/// <summary>
/// Many small jobs with batch norm and dropout on a separate worker process whose garbage collector runs all the time
/// (a tiny first generation), so that a Scalar left to the GC would be freed under LibTorch's feet: none may fail,
/// none may need a retry. 40 jobs by default; DOJO_STRESS=1 runs 1,000.
/// </summary>
public sealed class StressTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int Jobs = Environment.GetEnvironmentVariable("DOJO_STRESS") == "1" ? 1000 : 40;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-stress", Guid.NewGuid().ToString("N"));
    private readonly List<DojoProcess> _processes = [];

    [Fact]
    public async Task Small_jobs_with_batch_norm_under_constant_garbage_collection_all_succeed_without_a_retry()
    {
        int rest = DojoProcess.FreePort(), grpc = DojoProcess.FreePort();
        var api = DojoProcess.Api(_data, rest, grpc, inProcessWorker: false);
        _processes.Add(api);
        await api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + rest, TimeSpan.FromSeconds(60));
        _processes.Add(DojoProcess.Worker(_data, ("DOTNET_GCgen0size", "0x40000"), ("Dojo__Worker__Slots", "2")));
        var http = new HttpClient(new BearerHandler(DojoFactory.InstructorToken) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri($"http://127.0.0.1:{rest}") };
        var client = new DojoClient(http);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await http.GetAsync("/health/ready")).IsSuccessStatusCode)
        {
            Assert.True(DateTime.UtcNow < deadline, "no live worker");
            await Task.Delay(100);
        }

        var spec = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 15), ("network.layers", JsonNode.Parse("""
            [{ "type": "dense", "units": 6 }, { "type": "batchNorm" }, { "type": "activation", "function": "elu" }, { "type": "dropout", "rate": 0.2 },
             { "type": "dense", "units": 4 }, { "type": "activation", "function": "softplus" }, { "type": "dense", "units": 1 }, { "type": "activation", "function": "tanh" }]
            """)), ("optimizer", new JsonObject { ["kind"] = "adam", ["learningRate"] = 0.01, ["l2"] = 0.001 }));
        var ids = new List<Guid>();
        for (int i = 0; i < Jobs; i++) ids.Add((await client.SubmitAsync(DojoClient.With(spec, ("training.seed", i + 1)))).Id);

        var ended = new List<Dojo.Api.Jobs.JobDto>();
        foreach (var id in ids) ended.Add(await client.WaitFinishedAsync(id, TimeSpan.FromSeconds(Jobs * 3 + 60)));

        var troubled = ended.Where(j => j.State != JobState.Succeeded || j.Retries.Count > 0).ToList();
        output.WriteLine($"{Jobs} jobs: {ended.Count(j => j.State == JobState.Succeeded)} succeeded, {troubled.Count} failed or retried");
        Assert.True(troubled.Count == 0, string.Join("\n", troubled.Select(j => $"{j.Id}: {j.State} {j.Reason} retries: {string.Join("; ", j.Retries.Select(r => r.Error))}")));
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
