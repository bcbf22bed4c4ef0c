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
