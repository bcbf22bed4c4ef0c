using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dojo.Api.Jobs;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Training.Supervised;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>A job's kind in its spec, data sets by kind, networks downloaded by name, answers as ProblemDetails, predictions from a loaded network.</summary>
public sealed class JobKindsApiTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    private async Task<ValidationProblemDetails> RefusedAsync(JsonObject request)
    {
        int before = await JobCountAsync();
        var response = await _client.Http.PostAsync("/api/jobs", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(before, await JobCountAsync());
        return (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
    }

    private async Task<int> JobCountAsync()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        return await db.Jobs.CountAsync();
    }

    [Fact]
    public async Task A_request_names_its_kind_or_is_supervised_and_the_stored_spec_says_which()
    {
        var implicitKind = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2)));
        var explicitKind = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2), ("kind", JobKinds.Supervised)));

        Assert.Equal(JobKinds.Supervised, implicitKind.Spec.Kind);
        Assert.Equal(JobKinds.Supervised, explicitKind.Spec.Kind);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        string stored = (await db.Jobs.SingleAsync(j => j.Id == implicitKind.Id)).SpecJson;
        Assert.StartsWith("""{"kind":"supervised","dataset":{"kind":"playground",""", stored);
    }

    [Fact]
    public async Task An_unknown_kind_is_a_400_naming_kind_with_the_known_ones()
    {
        var problem = await RefusedAsync(DojoClient.With(DojoClient.Sample("xor"), ("kind", "gam")));
        var message = Assert.Single(problem.Errors["kind"]);
        Assert.Contains("'gam' is not one of", message);
        Assert.Contains(JobKinds.Supervised, message);
    }

    [Theory]
    [InlineData("""{ "kind": "builtin", "name": "digits", "noise": 10 }""", "dataset.noise")]
    [InlineData("""{ "kind": "builtin", "name": "digits", "trainCount": "many" }""", "dataset.trainCount")]
    [InlineData("""{ "kind": "images", "name": "digits" }""", "dataset.kind")]
    public async Task A_data_set_takes_only_its_own_kinds_fields(string dataset, string field)
    {
        var problem = await RefusedAsync(DojoClient.With(DojoClient.Sample("xor"), ("dataset", JsonNode.Parse(dataset))));
        Assert.Contains(field, problem.Errors.Keys);
        Assert.DoesNotContain(problem.Errors[field], m => m.Contains("Path:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_saved_network_is_checked_when_it_is_saved_and_nothing_wrong_is_stored()
    {
        var bad = new { name = "zero units", spec = new { layers = new object[] { new { type = "dense", units = 0 }, new { type = "dropout", rate = 1.5 } } } };
        var response = await _client.Http.PostAsJsonAsync("/api/networks", bad);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("spec.layers[0].units", problem.Errors.Keys);
        Assert.Contains("spec.layers[1].rate", problem.Errors.Keys);
        var saved = (await _client.Http.GetFromJsonAsync<JsonArray>("/api/networks"))!;
        Assert.DoesNotContain(saved, n => n!["name"]!.GetValue<string>() == "zero units");
    }

    [Fact]
    public async Task Trained_networks_download_by_name_and_a_wrong_name_is_a_problem_naming_the_ones_there()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2)))).Id);

        Assert.Equal(await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model"),
                     await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model?name={ModelNames.Default}"));
        var missing = await _client.Http.GetAsync($"/api/jobs/{job.Id}/model?name=generator");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("it has: model", (await missing.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        var unsafeName = await _client.Http.GetAsync($"/api/jobs/{job.Id}/model?name=..%2Fdojo");
        Assert.Equal(HttpStatusCode.BadRequest, unsafeName.StatusCode);
        Assert.Contains("name", (await unsafeName.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);

        var ended = await _client.Http.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
        Assert.Equal("application/problem+json", ended.Content.Headers.ContentType?.MediaType);
        Assert.Contains("already ended", (await ended.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
    }

    [Fact]
    public async Task Predictions_load_a_finished_jobs_network_once_and_keep_it()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 60)))).Id);
        var inputs = new { inputs = new[] { new[] { 3.0, 3.0 }, new[] { 3.0, -3.0 } } };
        var first = await PredictAsync(job.Id, inputs);

        // The weights file is read once: with it gone, the loaded network still answers, the same.
        await factory.Services.GetRequiredService<JobFiles>().Store.DeleteAsync(JobFiles.Model(job.Id, ModelNames.Default, ModelFormat.TorchSharp), CancellationToken.None);
        var again = await PredictAsync(job.Id, inputs);

        Assert.Equal(first.Predictions.Select(p => p.Probabilities), again.Predictions.Select(p => p.Probabilities));
        Assert.Equal(["+1", "-1"], again.Predictions.Select(p => p.Class));
    }

    private async Task<PredictResponse> PredictAsync(Guid jobId, object inputs)
    {
        var response = await _client.Http.PostAsJsonAsync($"/api/jobs/{jobId}/predict", inputs);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<PredictResponse>(SpecJson.Options))!;
    }
}
