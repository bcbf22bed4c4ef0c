using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Worker.Training.Supervised;
using Dojo.Api.Jobs;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;

namespace Dojo.Api.Tests;

/// <summary>
/// A data directory written by an earlier build (Fixtures/previous-build, made by its make.sh from commit 9ec838d:
/// specs without a job kind and with the one-record data-set layout, a checkpoint in the first format, weights in
/// model.bin) opens in this build: every stored job reads, the interrupted one resumes and ends as an uninterrupted
/// run does, the finished ones predict and download, and saved specs of that layout are usable by id.
/// </summary>
public sealed class PreviousBuildTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(DojoProcess.RepositoryRoot(), "tests", "Dojo.Api.Tests", "Fixtures", "previous-build");

    private readonly DojoFactory _factory = new FixtureFactory();
    private readonly Dictionary<string, Guid> _ids;

    public PreviousBuildTests()
    {
        // Copied in before the host starts, as an operator would start the new build on the old data directory.
        foreach (var file in Directory.EnumerateFiles(Fixture, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(Fixture, file);
            if (relative is "make.sh" or "ids.txt") continue;
            string target = Path.Combine(_factory.DataDirectory, relative == "dojo.sqlite" ? "dojo.db" : relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        _ids = File.ReadAllText(Path.Combine(Fixture, "ids.txt")).Split(' ', StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=')).ToDictionary(pair => pair[0], pair => Guid.Parse(pair[1]));
    }

    [Fact]
    public async Task Interrupted_job_of_the_previous_build_resumes_and_ends_like_an_uninterrupted_run()
    {
        var client = new DojoClient(_factory.CreateClient());

        var resumed = await client.WaitFinishedAsync(_ids["interrupted"], TimeSpan.FromSeconds(180));

        Assert.True(resumed.State == JobState.Succeeded, $"{resumed.State}: {resumed.Reason}");
        Assert.Equal(2, resumed.Attempts);
        var points = await client.AllMetricsAsync(resumed.Id);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(Enumerable.Range(1, 30), points.Where(p => p.Name == MetricNames.Loss).Select(p => p.Epoch));

        var again = JsonSerializer.SerializeToNode(resumed.Spec, SpecJson.Options)!.AsObject();
        again["name"] = "the same spec, uninterrupted";
        var uninterrupted = await client.WaitFinishedAsync((await client.SubmitAsync(again)).Id, TimeSpan.FromSeconds(180));
        Assert.Equal(uninterrupted.Result![MetricNames.TestLoss], resumed.Result![MetricNames.TestLoss]);
        Assert.Equal(uninterrupted.Result[MetricNames.Loss], resumed.Result[MetricNames.Loss]);
    }

    [Fact]
    public async Task Finished_jobs_of_the_previous_build_read_predict_and_download()
    {
        var http = _factory.CreateClient();

        var page = (await http.GetFromJsonAsync<JobPage>("/api/jobs", SpecJson.Options))!;
        Assert.Equal(3, page.Total);
        var digits = page.Items.Single(j => j.Id == _ids["digits"]);
        Assert.Equal(JobState.Succeeded, digits.State);

        var predicted = await http.PostAsJsonAsync($"/api/jobs/{digits.Id}/predict", new { inputs = new[] { new double[64], Enumerable.Repeat(16.0, 64).ToArray() } });
        Assert.True(predicted.IsSuccessStatusCode, await predicted.Content.ReadAsStringAsync());
        Assert.Equal(2, (await predicted.Content.ReadFromJsonAsync<PredictResponse>(SpecJson.Options))!.Predictions.Count);

        var onUpload = await http.PostAsJsonAsync($"/api/jobs/{_ids["onupload"]}/predict", new { inputs = new[] { new[] { 2.0, 2.0, 2.0, 2.0 } } });
        Assert.True(onUpload.IsSuccessStatusCode, await onUpload.Content.ReadAsStringAsync());

        // The previous build's token hints held the secret's first characters; they are replaced at start.
        var me = (await http.GetFromJsonAsync<JsonObject>("/api/me"))!;
        string tokens = await http.GetStringAsync($"/api/users/{me["id"]!.GetValue<Guid>()}/tokens");
        Assert.DoesNotContain(DojoFactory.InstructorToken[5..11], tokens);

        var weights = await http.GetAsync($"/api/jobs/{digits.Id}/model");
        Assert.Equal(HttpStatusCode.OK, weights.StatusCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixture, "jobs", digits.Id.ToString("N"), "model.bin")), await weights.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Saved_specs_of_the_previous_build_are_usable_by_id()
    {
        var http = _factory.CreateClient();
        var datasets = (await http.GetFromJsonAsync<JsonArray>("/api/datasets"))!;
        var networks = (await http.GetFromJsonAsync<JsonArray>("/api/networks"))!;
        var dataset = datasets.Single(d => d!["name"]!.GetValue<string>() == "digits-saved")!;
        var network = networks.Single(n => n!["name"]!.GetValue<string>() == "tiny-cnn")!;
        Assert.Equal("digits", dataset["spec"]!["name"]!.GetValue<string>());

        var job = await new DojoClient(http).SubmitAsync(new JsonObject
        {
            ["name"] = "from saved specs",
            ["datasetId"] = dataset["id"]!.GetValue<string>(),
            ["networkId"] = network["id"]!.GetValue<string>(),
            ["training"] = new JsonObject { ["loss"] = "crossEntropy", ["epochs"] = 1 },
        });
        var done = await new DojoClient(http).WaitFinishedAsync(job.Id);
        Assert.True(done.State == JobState.Succeeded, $"{done.State}: {done.Reason}");
    }

    public void Dispose() => _factory.Dispose();
}

/// <summary>
/// The fixture's interrupted job started when the fixture was made; the wall-clock cap counts from that first start,
/// so with the default (6 h) the job would be stopped as over time a few hours after the fixture was committed. This
/// test is about reading the old data, not about that cap, which has tests of its own.
/// </summary>
internal sealed class FixtureFactory : DojoFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Dojo:Limits:MaxJobSeconds", "3153600000")];
}
