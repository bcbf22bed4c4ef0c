using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Jobs;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>The REST calls tests make, over a real HttpClient, in the API's own JSON shape.</summary>
public sealed class DojoClient(HttpClient http)
{
    public HttpClient Http => http;

    public static JsonObject Sample(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", name + ".json")))!.AsObject();

    public async Task<JobDto> SubmitAsync(JsonObject request)
    {
        var response = await http.PostAsJsonAsync("/api/jobs", request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"submit returned {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<JobDto>(body, SpecJson.Options)!;
    }

    public async Task<JobDto> GetAsync(Guid id) =>
        (await http.GetFromJsonAsync<JobDto>($"/api/jobs/{id}", SpecJson.Options))!;

    public async Task<JobDto> WaitAsync(Guid id, Func<JobDto, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var job = await GetAsync(id);
            if (until(job)) return job;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {id} is still {job.State} (epoch {job.CheckpointEpoch})");
            await Task.Delay(50);
        }
    }

    public Task<JobDto> WaitFinishedAsync(Guid id, TimeSpan? timeout = null) => WaitAsync(id, j => j.State.IsTerminal(), timeout);

    public async Task<List<MetricPointDto>> AllMetricsAsync(Guid id, int pageSize = 1000)
    {
        var all = new List<MetricPointDto>();
        long from = 1;
        while (true)
        {
            var page = (await http.GetFromJsonAsync<MetricPage>($"/api/jobs/{id}/metrics?fromSeq={from}&limit={pageSize}", SpecJson.Options))!;
            all.AddRange(page.Items);
            if (page.Items.Count < pageSize) return all;
            from = page.NextFromSeq;
        }
    }

    /// <summary>
    /// Submits <paramref name="sample"/> with <paramref name="changes"/> (a JSON object of path → value) and checks the
    /// answer is a 400 naming <paramref name="field"/> (or a field below it) and that no job was stored.
    /// </summary>
    public async Task<Microsoft.AspNetCore.Mvc.ValidationProblemDetails> AssertRefusedAsync(JsonObject sample, string changes, string field)
    {
        int before = (await http.GetFromJsonAsync<JsonObject>("/api/jobs?pageSize=1"))!["total"]!.GetValue<int>();
        var request = With(sample, JsonNode.Parse(changes)!.AsObject().Select(c => (c.Key, c.Value?.DeepClone())).ToArray());

        var response = await http.PostAsJsonAsync("/api/jobs", request);

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ValidationProblemDetails>())!;
        Assert.True(problem.Errors.Keys.Any(k => k == field || k.StartsWith(field + ".", StringComparison.Ordinal) || k.StartsWith(field + "[", StringComparison.Ordinal)),
            $"expected {field}; got {string.Join("; ", problem.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
        Assert.Equal(before, (await http.GetFromJsonAsync<JsonObject>("/api/jobs?pageSize=1"))!["total"]!.GetValue<int>());
        return problem;
    }

    /// <summary>A copy of a sample with some fields replaced: <c>With(xor, "training.epochs", 5)</c>, <c>("network.layers[2].units", 3)</c> (as an experiment varies them).</summary>
    public static JsonObject With(JsonObject sample, params (string Path, JsonNode? Value)[] changes)
    {
        var copy = sample.DeepClone().AsObject();
        foreach (var (path, value) in changes) Experiments.ExperimentGrid.Set(copy, path, value);
        return copy;
    }
}

public static class JobDtoExtensions
{
    /// <summary>A supervised job's spec (every job of these tests but the test kind's).</summary>
    public static SupervisedSpec Supervised(this JobDto job) => Assert.IsType<SupervisedSpec>(job.Spec);

    /// <summary>A finished supervised job's network as the worker built it, weights not drawn: ready for downloaded weights.</summary>
    public static TorchSharp.Modules.Sequential NetworkForLoading(this JobDto job)
    {
        var spec = job.Supervised();
        return Dojo.Worker.Training.ModelBuilder.Build(new Dojo.Worker.Training.Supervised.OutputHead(spec).Network, spec.Dataset.SampleShape(),
            Dojo.Worker.Training.NetworkInit.ForLoading).Net;
    }
}
