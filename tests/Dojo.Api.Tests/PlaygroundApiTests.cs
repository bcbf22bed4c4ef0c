using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Microsoft.AspNetCore.Mvc;

namespace Dojo.Api.Tests;

public sealed class PlaygroundApiTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    [Fact]
    public async Task Parsed_playground_url_is_a_job_that_trains_xor()
    {
        const string url = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=xor&regDataset=reg-plane" +
            "&learningRate=0.03&regularizationRate=0&noise=0&networkShape=4,2&seed=0.68143&showTestData=false&discretize=false" +
            "&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false" +
            "&sinY=false&collectStats=false&problem=classification&initZero=false&hideText=false";
        var response = await _client.Http.PostAsJsonAsync("/api/playground/parse", new { url, epochs = 300 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parsed = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("tensorFlow", parsed["site"]!.GetValue<string>());
        Assert.Equal("0.68143", parsed["state"]!["seed"]!.GetValue<string>());
        Assert.NotEmpty(parsed["notes"]!.AsArray());

        var request = parsed["spec"]!.DeepClone().AsObject();
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.9, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
    }

    private const string Page = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&learningRate=0.03&noise=0" +
        "&seed=0.12345&percTrainData=50&x=true&y=true&problem=classification";

    private async Task<JsonObject> GradeAsync(string xor, string spiral)
    {
        var response = await _client.Http.PostAsJsonAsync("/api/playground/gradings", new { urls = new { xor, spiral } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        string location = response.Headers.Location!.ToString();
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (true)
        {
            var grading = (await _client.Http.GetFromJsonAsync<JsonObject>(location))!;
            if (grading["state"]!.GetValue<string>() == "graded") return grading;
            Assert.True(DateTime.UtcNow < deadline, "grading did not finish");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Exercise_1_passes_good_settings_and_fails_a_linear_xor_naming_the_jobs()
    {
        var good = await GradeAsync(Page + "&dataset=xor&networkShape=4,2", Page + "&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true");
        Assert.True(good["passed"]!.GetValue<bool>(), good.ToJsonString());
        var datasets = good["datasets"]!.AsArray();
        Assert.Equal(["xor", "spiral"], datasets.Select(d => d!["dataset"]!.GetValue<string>()));
        foreach (var dataset in datasets)
        {
            var jobs = dataset!["jobs"]!.AsArray();
            Assert.Equal(2, jobs.Count);
            foreach (var job in jobs)
            {
                var trained = await _client.GetAsync(job!["jobId"]!.GetValue<Guid>());
                Assert.Equal(JobState.Succeeded, trained.State);
                Assert.Equal(500, trained.Spec.Training.Epochs);
            }
        }

        var linear = await GradeAsync(Page + "&dataset=xor&networkShape=&activation=linear", Page + "&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true");
        var xor = linear["datasets"]![0]!;
        foreach (var job in xor["jobs"]!.AsArray())
        {
            var trained = await _client.GetAsync(job!["jobId"]!.GetValue<Guid>());
            Assert.True(trained.State == JobState.Succeeded, $"job {trained.Id} ended {trained.State}: {trained.Reason}");
        }
        Assert.False(linear["passed"]!.GetValue<bool>());
        Assert.False(xor["passed"]!.GetValue<bool>());
        Assert.Contains("below 0.950", xor["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Grading_refuses_missing_foreign_or_mismatched_urls_before_training()
    {
        var response = await _client.Http.PostAsJsonAsync("/api/playground/gradings",
            new { urls = new { xor = Page + "&dataset=spiral", spiral = "https://example.com/" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("not xor", Assert.Single(problem.Errors["urls.xor"]));
        Assert.Contains("urls.spiral", problem.Errors.Keys);
    }

    [Theory]
    [InlineData("https://example.com/#dataset=xor", "url")]
    [InlineData("https://playground.tensorflow.org/#networkShape=3,x", "url")]
    [InlineData("https://playground.tensorflow.org/#learningRate=fast", "url (optimizer.learningRate)")]
    [InlineData("https://playground.tensorflow.org/#noise=80", "url (dataset.noise)")]
    public async Task Foreign_or_untrainable_urls_are_400_naming_the_problem(string url, string field)
    {
        var response = await _client.Http.PostAsJsonAsync("/api/playground/parse", new { url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains(field, problem!.Errors.Keys);
    }
}
