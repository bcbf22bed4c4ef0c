using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>What a job may cost: an estimate checked at submit, a wall-clock limit while it runs, a daily budget per student.</summary>
public sealed class ComputeLimitTests(ComputeLimitTests.Limits factory) : IClassFixture<ComputeLimitTests.Limits>
{
    /// <summary>A job may run 3 s; a student may spend about two 200-epoch XOR jobs a day.</summary>
    public sealed class Limits : DojoFactory
    {
        protected override IEnumerable<(string, string)> Settings => [("Dojo:Limits:MaxJobSeconds", "3"), ("Dojo:Limits:DailyFlopsPerStudent", "20000000")];
    }

    [Fact]
    public async Task A_spec_that_would_take_weeks_is_refused_at_submit_with_its_estimate_and_the_limit()
    {
        var conv = Enumerable.Range(0, 8).SelectMany(_ => new JsonNode?[]
        {
            new JsonObject { ["type"] = "conv2d", ["outChannels"] = 64, ["kernel"] = 3, ["padding"] = "same" },
            new JsonObject { ["type"] = "activation", ["function"] = "relu" },
        }).Concat([new JsonObject { ["type"] = "globalAvgPool" }, new JsonObject { ["type"] = "dense", ["units"] = 10 }]).ToArray();
        var request = DojoClient.With(DojoClient.Sample("lenet-mnist"), ("network", new JsonObject { ["layers"] = new JsonArray(conv) }), ("training.epochs", 10000));

        var response = await factory.CreateClient().PostAsJsonAsync("/api/jobs", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = Assert.Single((await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["training.epochs"]);
        Assert.Matches(@"about [0-9.]+e\+1[5-9] floating-point operations", message);
        Assert.Contains("Dojo:Limits:MaxJobFlops", message);
    }

    [Fact]
    public async Task A_job_that_runs_past_its_wall_clock_limit_ends_failed_keeping_its_checkpoint_and_points()
    {
        var client = new DojoClient(factory.CreateClient());
        var job = await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 10000), ("training.batchSize", 1)));

        var ended = await client.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(JobState.Failed, ended.State);
        Assert.Contains("Dojo:Limits:MaxJobSeconds", ended.Reason);
        Assert.True(ended.CheckpointEpoch > 0, "no checkpoint kept");
        Assert.NotNull(await factory.Services.GetRequiredService<JobFiles>().ReadAllBytesAsync(JobFiles.Checkpoint(job.Id, ended.CheckpointEpoch), CancellationToken.None));
        Assert.Contains(await client.AllMetricsAsync(job.Id), p => p.Name == MetricNames.Loss);
        Assert.True(ended.FinishedAt - ended.StartedAt < TimeSpan.FromSeconds(15), $"ran {ended.FinishedAt - ended.StartedAt}");
    }

    [Fact]
    public async Task A_student_has_a_daily_compute_budget_that_they_can_see()
    {
        var (student, _) = await factory.CreateStudentAsync("計算 予算");
        var xor = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 200));
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            var response = await student.PostAsJsonAsync("/api/jobs", xor);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Created)
                await new DojoClient(student).WaitFinishedAsync((await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>());
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.Contains("Dojo:Limits:DailyFlopsPerStudent", (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
                break;
            }
        }
        Assert.True(statuses.Count(s => s == HttpStatusCode.Created) is >= 1 and < 6, string.Join(", ", statuses));

        var quota = (await student.GetFromJsonAsync<JsonObject>("/api/me/compute"))!;
        Assert.Equal(20_000_000, quota["dailyFlops"]!.GetValue<double>());
        Assert.True(quota["usedFlops"]!.GetValue<double>() > 0);
        Assert.True(quota["usedFlops"]!.GetValue<double>() <= 20_000_000);
    }
}
