using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Worker;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Api.Tests.Kinds.Line;

/// <summary>
/// The seam, shown with a kind the product does not have: registered by this test project alone, it goes through
/// submit → queue → claim → checkpoint → SIGKILL of its worker → resume on another → finish → download by name,
/// and ends exactly as an uninterrupted run does — its two networks, its optimizer and its own state included.
/// </summary>
public sealed class LineKindTests : IDisposable
{
    /// <summary>The API in-process, knowing the kind by its one registration line; workers are separate processes.</summary>
    private sealed class ApiOnly : DojoFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Dojo:Worker:InProcess", "false");
            builder.ConfigureServices(services => services.AddJobKind<LineSpec, LineTrainer>(LineSpec.KindName));
        }
    }

    private readonly ApiOnly _api = new();
    private readonly List<DojoProcess> _workers = [];

    private DojoProcess StartWorker()
    {
        var worker = DojoProcess.TestWorker(_api.DataDirectory, ("Dojo__Worker__CheckpointMinSeconds", "0"));
        _workers.Add(worker);
        return worker;
    }

    private static JsonObject Line(string name) => new()
    {
        ["name"] = name,
        ["kind"] = "line",
        ["training"] = new JsonObject { ["epochs"] = 30, ["seed"] = 4, ["pauseMilliseconds"] = 150 },
    };

    [Fact]
    public async Task A_kind_registered_by_a_test_runs_through_the_job_machinery_and_survives_a_killed_worker()
    {
        var client = new DojoClient(_api.CreateClient());
        var first = StartWorker();
        await WaitReadyAsync(client);

        var job = await client.SubmitAsync(Line("interrupted"));
        Assert.Equal("line", job.Spec.Kind);
        await client.WaitAsync(job.Id, j => j.CheckpointEpoch >= 5, TimeSpan.FromSeconds(90));
        first.Kill();
        int killedAfter = (await client.GetAsync(job.Id)).CheckpointEpoch;
        Assert.True(killedAfter < 30, "the job finished before its worker was killed");

        var second = StartWorker();
        var reference = await client.SubmitAsync(Line("uninterrupted")); // trained beside the resumed job
        var resumed = await client.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(120));
        Assert.True(resumed.State == JobState.Succeeded, $"{resumed.State}: {resumed.Reason}");
        Assert.Equal(2, resumed.Attempts);
        var claim = await second.WaitForOutputAsync(@$"Job {job.Id}: claimed by .*, attempt 2, resuming after epoch (\d+)", TimeSpan.FromSeconds(5));
        Assert.True(int.Parse(claim.Groups[1].Value) >= killedAfter, claim.Value);
        var points = await client.AllMetricsAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(Enumerable.Range(1, 30), points.Where(p => p.Name == "loss").Select(p => p.Epoch));

        // An uninterrupted run of the same spec: the same figures — loss_sum is the trainer's own state — and the same weights.
        var uninterrupted = await client.WaitFinishedAsync(reference.Id, TimeSpan.FromSeconds(120));
        Assert.True(uninterrupted.State == JobState.Succeeded, $"{uninterrupted.State}: {uninterrupted.Reason}");
        Assert.Equal(uninterrupted.Result, resumed.Result);
        foreach (string name in new[] { "fit", "average" })
            Assert.Equal(await client.Http.GetByteArrayAsync($"/api/jobs/{uninterrupted.Id}/model?name={name}"),
                         await client.Http.GetByteArrayAsync($"/api/jobs/{resumed.Id}/model?name={name}"));

        // The networks come by name; the fit learned y = 2x + 1 and the average follows it.
        Assert.Equal(2.0, Slope(await client.Http.GetByteArrayAsync($"/api/jobs/{resumed.Id}/model?name=fit")), 1);
        Assert.Equal(2.0, Slope(await client.Http.GetByteArrayAsync($"/api/jobs/{resumed.Id}/model?name=average&format=torchSharp")), 1);
        var none = await client.Http.GetAsync($"/api/jobs/{resumed.Id}/model");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("it has: average, fit", (await none.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    [Fact]
    public async Task A_worker_killed_after_the_last_epochs_checkpoint_leaves_the_resumed_job_a_whole_result()
    {
        var client = new DojoClient(_api.CreateClient());
        var first = StartWorker();
        await WaitReadyAsync(client);
        var request = Line("killed at the end");
        request["training"]!["epochs"] = 4;
        request["training"]!["pauseMilliseconds"] = 2000; // after each epoch's checkpoint, the last one's too

        var job = await client.SubmitAsync(request);
        await client.WaitAsync(job.Id, j => j.CheckpointEpoch == 4, TimeSpan.FromSeconds(90));
        first.Kill();
        Assert.Equal(JobState.Running, (await client.GetAsync(job.Id)).State);

        StartWorker();
        var resumed = await client.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(120));
        Assert.True(resumed.State == JobState.Succeeded, $"{resumed.State}: {resumed.Reason}");
        var lastEpoch = (await client.AllMetricsAsync(job.Id)).Where(p => p.Epoch == 4 && p.Name != "test_loss").ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(["intercept", "loss", "loss_sum", "slope"], lastEpoch.Keys.Order());
        foreach (var (name, value) in lastEpoch) Assert.Equal(value, resumed.Result![name]);
        Assert.True(resumed.Result!.ContainsKey("test_loss"));
    }

    [Fact]
    public async Task A_job_that_fails_inside_libtorch_is_retried_from_its_checkpoint_and_ends_as_an_uninterrupted_run()
    {
        var (client, job) = await RunWithFaultAsync("faults once", epochs: 8, faultAt: 5, everyAttempt: false);

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        Assert.Equal(2, job.Attempts);
        var retry = Assert.Single(job.Retries);
        Assert.Equal(1, retry.Attempt);
        Assert.InRange(retry.FromEpoch, 1, 4);
        Assert.Contains("cannot be multiplied", retry.Error);
        var points = await client.AllMetricsAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, 8), points.Where(p => p.Name == "loss").Select(p => p.Epoch));

        var clean = Line("never faults");
        clean["training"]!["epochs"] = 8;
        var uninterrupted = await client.WaitFinishedAsync((await client.SubmitAsync(clean)).Id, TimeSpan.FromSeconds(120));
        Assert.Equal(uninterrupted.Result, job.Result);
    }

    [Fact]
    public async Task A_job_that_fails_inside_libtorch_every_time_ends_failed_after_its_retries_each_recorded()
    {
        var (_, job) = await RunWithFaultAsync("faults always", epochs: 6, faultAt: 4, everyAttempt: true);

        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(3, job.Attempts);
        Assert.Equal([1, 2], job.Retries.Select(r => r.Attempt));
        Assert.All(job.Retries, r => Assert.Contains("cannot be multiplied", r.Error));
        Assert.Contains("after 2 retries", job.Reason);
        Assert.DoesNotContain("\n", job.Reason);
    }

    [Fact]
    public async Task The_kinds_own_validation_answers_a_400_naming_the_field()
    {
        var client = _api.CreateClient();
        var request = Line("bad");
        request["training"]!["learningRate"] = -1;
        var response = await client.PostAsJsonAsync("/api/jobs", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("training.learningRate", (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    /// <summary>A worker, and a line job that fails inside LibTorch at <paramref name="faultAt"/>, run to its end.</summary>
    private async Task<(DojoClient Client, Api.Jobs.JobDto Job)> RunWithFaultAsync(string name, int epochs, int faultAt, bool everyAttempt)
    {
        var client = new DojoClient(_api.CreateClient());
        StartWorker();
        await WaitReadyAsync(client);
        var faulty = Line(name);
        faulty["training"]!["epochs"] = epochs;
        faulty["training"]!["faultAtEpoch"] = faultAt;
        faulty["training"]!["faultEveryAttempt"] = everyAttempt;
        return (client, await client.WaitFinishedAsync((await client.SubmitAsync(faulty)).Id, TimeSpan.FromSeconds(120)));
    }

    private static double Slope(byte[] weights)
    {
        using var linear = nn.Linear(1, 1);
        linear.load(new MemoryStream(weights));
        return linear.weight!.item<float>();
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

    public void Dispose()
    {
        foreach (var worker in _workers) worker.Dispose();
        _api.Dispose();
    }
}
