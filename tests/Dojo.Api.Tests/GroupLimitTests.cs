using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>A group of jobs (an experiment, a grading) is stored whole or not at all, also when one student starts several at once.</summary>
public sealed class GroupLimitTests(GroupLimitTests.TenRuns factory) : IClassFixture<GroupLimitTests.TenRuns>
{
    /// <summary>A student may have ten runs of gradings and experiments active.</summary>
    public sealed class TenRuns : DojoFactory
    {
        protected override IEnumerable<(string, string)> Settings => [("Dojo:Limits:MaxActiveGroupJobsPerStudent", "10")];
    }

    /// <summary>Runs that stay active until cancelled.</summary>
    private static JsonObject LongRuns(string name, int count = 6) => new()
    {
        ["name"] = name,
        ["base"] = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000)),
        ["vary"] = new JsonObject { ["training.seed"] = new JsonArray(Enumerable.Range(1, count).Select(seed => (JsonNode?)seed).ToArray()) },
    };

    [Fact]
    public async Task Experiments_started_at_once_over_the_limit_leave_no_job_outside_an_experiment()
    {
        var (student, issued) = await factory.CreateStudentAsync("同時 実験");
        for (int round = 0; round < 3; round++)
        {
            var responses = await Task.WhenAll(student.PostAsJsonAsync("/api/experiments", LongRuns($"a{round}")),
                                               student.PostAsJsonAsync("/api/experiments", LongRuns($"b{round}")));
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.TooManyRequests);

            await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
            var jobs = await db.Jobs.Where(j => j.OwnerId == issued.User.Id).Select(j => j.Id).ToListAsync();
            var inExperiments = (await db.Experiments.Where(e => e.OwnerId == issued.User.Id).ToListAsync()).SelectMany(e => e.Runs).Select(r => r.JobId);
            Assert.Empty(jobs.Except(inExperiments));
            Assert.Equal(6 * (round + 1), jobs.Count);

            foreach (var id in jobs) await student.PostAsync($"/api/jobs/{id}/cancel", null);
            await new DojoClient(student).WaitAsync(jobs[^1], j => j.State.IsTerminal());
            foreach (var id in jobs) await new DojoClient(student).WaitFinishedAsync(id);
        }
    }

    [Fact]
    public async Task A_grading_over_the_limit_answers_429_like_the_other_limits()
    {
        var (student, _) = await factory.CreateStudentAsync("採点 上限");
        var first = await student.PostAsJsonAsync("/api/experiments", LongRuns("busy", count: 8)); // and a grading's 2 × 2 runs would make 12
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var urls = new { urls = new { xor = "https://playground.tensorflow.org/#dataset=xor&networkShape=4,2&seed=0.1", spiral = "https://playground.tensorflow.org/#dataset=spiral&networkShape=8,8&seed=0.1" } };
        var grading = await student.PostAsJsonAsync("/api/playground/gradings", urls);
        Assert.Equal(HttpStatusCode.TooManyRequests, grading.StatusCode);
        Assert.Equal("application/problem+json", grading.Content.Headers.ContentType?.MediaType);

        var experiment = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        foreach (var run in experiment["runs"]!.AsArray()) await student.PostAsync($"/api/jobs/{run!["job"]!["id"]}/cancel", null);
    }
}
