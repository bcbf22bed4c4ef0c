using System.IO.Compression;
using System.Net;
using System.Runtime.InteropServices;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Jobs;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Dojo.Worker.Training;
using static TorchSharp.torch;

namespace Dojo.Api.Tests;

public abstract class JobsApiSuite(DojoFactory factory)
{
    private readonly DojoClient _client = new(factory.CreateClient());

    [Fact]
    public async Task Xor_sample_learns_and_reports_every_metric_in_sequence()
    {
        var submitted = await _client.SubmitAsync(DojoClient.Sample("xor"));
        Assert.Equal(JobState.Queued, submitted.State);

        var job = await _client.WaitFinishedAsync(submitted.Id);

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(1, job.Attempts);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.95, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
        var points = await _client.AllMetricsAsync(job.Id, pageSize: 97);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(job.NextSeq - 1, points.Count);
        var losses = points.Where(p => p.Name == MetricNames.Loss).ToList();
        Assert.Equal(Enumerable.Range(1, 200), losses.Select(p => p.Epoch));
        Assert.True(losses[^1].Value < losses[0].Value / 4, $"loss fell from {losses[0].Value} to {losses[^1].Value}");
        foreach (var name in new[] { MetricNames.Accuracy, MetricNames.ValLoss, MetricNames.ValAccuracy, MetricNames.SamplesPerSec })
            Assert.Equal(200, points.Count(p => p.Name == name));
        Assert.Single(points, p => p.Name == MetricNames.TestLoss);
        Assert.Single(points, p => p.Name == MetricNames.TestAccuracy);

        // Only the metrics asked for, in sequence, across pages.
        var named = (await _client.Http.GetFromJsonAsync<MetricPage>($"/api/jobs/{job.Id}/metrics?name=loss&name=test_accuracy&limit=150", SpecJson.Options))!;
        Assert.Equal(150, named.Items.Count);
        var rest = (await _client.Http.GetFromJsonAsync<MetricPage>($"/api/jobs/{job.Id}/metrics?name=loss&name=test_accuracy&fromSeq={named.NextFromSeq}", SpecJson.Options))!;
        Assert.Equal(points.Where(p => p.Name is MetricNames.Loss or MetricNames.TestAccuracy).Select(p => (p.Seq, p.Name, p.Value)),
            named.Items.Concat(rest.Items).Select(p => (p.Seq, p.Name, p.Value)));

        // The same figures as a table: a row per epoch, a column per metric, the test figures in the last row.
        var csv = await _client.Http.GetAsync($"/api/jobs/{job.Id}/metrics.csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        byte[] bytes = await csv.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        var rows = System.Text.Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split(',')).ToList();
        var header = rows[0].ToList();
        Assert.Equal("epoch", header[0]);
        Assert.Equal(201, rows.Count);
        Assert.Equal(losses.Select(p => p.Value), rows.Skip(1).Select(r => double.Parse(r[header.IndexOf("loss")], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(job.Result![MetricNames.TestAccuracy], double.Parse(rows[^1][header.IndexOf(MetricNames.TestAccuracy)], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("", rows[1][header.IndexOf(MetricNames.TestAccuracy)]);
    }

    /// <summary>
    /// A job named in Japanese gets a title in a font that has those characters, not empty boxes (needs a CJK font:
    /// Debian's fonts-ipafont-gothic, which .ci/run and the Docker image install); the legend sits beside the curves.
    /// </summary>
    [Fact]
    public void A_japanese_job_name_is_drawn_in_a_font_that_has_its_characters()
    {
        var plot = JobPlots.Figure("深層学習 演習① xor — loss", "loss", [("training", [1, 2, 3], [0.9, 0.5, 0.2]), ("validation", [1, 2, 3], [1.0, 0.6, 0.3])]);
        using var typeface = SkiaSharp.SKTypeface.FromFamilyName(plot.Axes.Title.Label.FontName);
        Assert.True(typeface.ContainsGlyphs("深層学習演習"), $"the title is drawn in {plot.Axes.Title.Label.FontName}, which lacks the characters");
        Assert.Single(plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>()); // outside the data area
        Assert.False(plot.Legend.IsVisible);
    }

    [Fact]
    public async Task Spiral_sample_reaches_ninety_percent()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("spiral"))).Id);
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.90, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
    }

    [Fact]
    public async Task Trained_weights_download_and_classify_held_out_data()
    {
        var request = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 60));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);
        Assert.Equal(JobState.Succeeded, job.State);

        var response = await _client.Http.GetAsync($"/api/jobs/{job.Id}/model");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] weights = await response.Content.ReadAsByteArrayAsync();

        // Rebuild the network from the job's spec, load the downloaded weights, and classify the test split.
        using var net = job.NetworkForLoading();
        net.load(new MemoryStream(weights));
        net.eval();
        var test = PlaygroundData.Generate((PlaygroundDatasetSpec)job.Supervised().Dataset).Test;
        using var x = tensor(test.Features, [test.Count, test.FeatureCount]);
        using var output = net.forward(x);
        var predicted = output.squeeze(1).data<float>().ToArray();
        double accuracy = predicted.Zip(test.Labels).Count(p => p.First >= 0 == p.Second > 0) / (double)test.Count;
        Assert.Equal(job.Result![MetricNames.TestAccuracy], accuracy, 6);
    }

    [Fact]
    public async Task Weights_come_as_safetensors_and_as_a_torch_save_archive_under_nn_sequential_names()
    {
        var request = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 5));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);
        byte[] native = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model");
        byte[] safetensors = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model?format=safetensors");
        byte[] pytorch = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model?format=pyTorch");

        // safetensors: an 8-byte little-endian header length (a multiple of 8), a JSON header, then the raw tensors.
        using var net = job.NetworkForLoading();
        net.load(new MemoryStream(native));
        long headerLength = BitConverter.ToInt64(safetensors, 0);
        Assert.Equal(0, headerLength % 8);
        var header = JsonNode.Parse(safetensors.AsSpan(8, (int)headerLength))!.AsObject();
        // Layer i's parameters under i, as an nn.Sequential of the same layers names them: dense0 → 0, dense2 → 2, dense4 → 4.
        var expectedKeys = new[] { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias" };
        Assert.Equal(expectedKeys.Order(), header.Where(h => h.Key != "__metadata__").Select(h => h.Key).Order());
        foreach (var (name, tensor) in net.state_dict())
        {
            var entry = header[name.Replace("dense", "", StringComparison.Ordinal)]!.AsObject();
            Assert.Equal("F32", entry["dtype"]!.GetValue<string>());
            Assert.Equal(tensor.shape, entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()));
            long start = 8 + headerLength + entry["data_offsets"]![0]!.GetValue<long>();
            var stored = MemoryMarshal.Cast<byte, float>(safetensors.AsSpan((int)start, (int)tensor.numel() * 4)).ToArray();
            Assert.Equal(tensor.data<float>().ToArray(), stored);
        }

        // The metadata says what the weights are for: the layers, the input, the model and the whole job.
        var metadata = header["__metadata__"]!.AsObject();
        Assert.Equal("pt", metadata["format"]!.GetValue<string>());
        Assert.Equal("model", metadata["dojo.model"]!.GetValue<string>());
        Assert.Equal(job.Id.ToString(), metadata["dojo.job"]!.GetValue<string>());
        Assert.Equal("[2]", metadata["dojo.inputShape"]!.GetValue<string>());
        var layers = JsonNode.Parse(metadata["dojo.network"]!.GetValue<string>())!["layers"]!.AsArray();
        Assert.Equal(["dense", "activation", "dense", "activation", "dense", "activation"], layers.Select(l => l!["type"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(SpecJson.ToJsonObject(job.Spec), JsonNode.Parse(metadata["dojo.spec"]!.GetValue<string>())), metadata["dojo.spec"]!.ToString());

        // torch.save's format is a zip archive holding the pickled state dict (what PyTorch reads of it: the README's snippet test).
        using var zip = new ZipArchive(new MemoryStream(pytorch));
        Assert.Contains(zip.Entries, e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/model?format=onnx")).StatusCode);
    }

    /// <summary>The README's PyTorch snippet, run as it is by PyTorch (Debian's python3-torch) on a trained XOR job's downloads.</summary>
    [Fact]
    public async Task The_readmes_pytorch_snippet_loads_the_weights_and_predicts_as_dojo_does()
    {
        string readme = await File.ReadAllTextAsync(Path.Combine(DojoProcess.RepositoryRoot(), "README.md"));
        var block = System.Text.RegularExpressions.Regex.Match(readme, "### Trained weights in PyTorch.*?```python\n(.*?)```",
            System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.True(block.Success, "the README has no python block under 'Trained weights in PyTorch'");
        Assert.True(block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 10, "the snippet is longer than ten lines");

        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("xor"))).Id);
        Assert.Equal(JobState.Succeeded, job.State);
        string folder = Directory.CreateTempSubdirectory("dojo-pytorch-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(folder, "model.safetensors"), await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model?format=safetensors"));
            await File.WriteAllBytesAsync(Path.Combine(folder, "model.pt"), await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model?format=pyTorch"));
            await File.WriteAllTextAsync(Path.Combine(folder, "snippet.py"), block.Groups[1].Value);
            var (exit, output, errors) = await PythonAsync(folder, "snippet.py");
            Assert.True(exit == 0, output + errors);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("['dense', 'activation', 'dense', 'activation', 'dense', 'activation']", lines[^2]);

            // Dojo's own network with the TorchSharp weights gives the same outputs.
            using var net = job.NetworkForLoading();
            net.load(new MemoryStream(await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model")));
            net.eval();
            using var x = tensor(new float[] { 3, 3, 3, -3 }, [2, 2]);
            using var y = net.forward(x);
            var expected = y.squeeze(1).data<float>().ToArray();
            var printed = JsonNode.Parse(lines[^1])!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.Equal(expected.Length, printed.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], printed[i], 5);
            Assert.True(printed[0] > 0.5 && printed[1] < -0.5, $"XOR outputs {lines[^1]}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs a script with the Python that has PyTorch (DOJO_PYTHON, else Debian's /usr/bin/python3, which .ci/run gives python3-torch).</summary>
    private static Task<(int Exit, string Output, string Errors)> PythonAsync(string folder, string script)
    {
        var start = ProcessRun.Of(Environment.GetEnvironmentVariable("DOJO_PYTHON") is { Length: > 0 } given ? given : "/usr/bin/python3", script);
        start.WorkingDirectory = folder;
        return ProcessRun.RunAsync(start, TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task The_trained_xor_samples_boundary_shows_the_four_quadrants_and_a_running_job_is_drawn_from_its_checkpoint()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("xor"))).Id);
        var response = await _client.Http.GetAsync($"/api/jobs/{job.Id}/plots/boundary.png");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("200", response.Headers.GetValues("Dojo-Epoch").Single());
        byte[] png = await response.Content.ReadAsByteArrayAsync();
        Artifacts.Save("xor-boundary.png", png);
        using var picture = SkiaSharp.SKBitmap.Decode(png);
        // XOR: +1 (blue) where x·y > 0, −1 (orange) elsewhere. The mean colour of each quadrant's middle says which it is.
        foreach (var (x, y, blue) in new[] { (3.0, 3.0, true), (-3.0, -3.0, true), (3.0, -3.0, false), (-3.0, 3.0, false) })
        {
            var (red, bluish) = MeanColour(picture, x, y);
            Assert.True(blue ? bluish > red + 60 : red > bluish + 60, $"({x}, {y}): red {red:F0}, blue {bluish:F0}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/plots/boundary.png?epoch=3")).StatusCode);

        // While a job trains, its latest checkpoint is drawn, and says which epoch it is.
        var running = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1)));
        await _client.WaitAsync(running.Id, j => j.CheckpointEpoch >= 1);
        var live = await _client.Http.GetAsync($"/api/jobs/{running.Id}/plots/boundary.png");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.InRange(int.Parse(live.Headers.GetValues("Dojo-Epoch").Single()), 1, 19999);
        await _client.Http.PostAsync($"/api/jobs/{running.Id}/cancel", null);
        await _client.WaitFinishedAsync(running.Id);
    }

    /// <summary>The mean red and blue of a 20 × 20 pixel patch around the plane's point (x, y) in a boundary picture of [−6, 6]².</summary>
    private static (double Red, double Blue) MeanColour(SkiaSharp.SKBitmap picture, double x, double y)
    {
        int cx = (int)((x + 6) / 12 * picture.Width), cy = (int)((6 - y) / 12 * picture.Height);
        double red = 0, blue = 0;
        int n = 0;
        for (int py = cy - 10; py < cy + 10; py++)
            for (int px = cx - 10; px < cx + 10; px++, n++)
            {
                var colour = picture.GetPixel(px, py);
                (red, blue) = (red + colour.Red, blue + colour.Blue);
            }
        return (red / n, blue / n);
    }

    [Fact]
    public async Task Model_is_404_until_the_job_succeeded_and_unknown_job_is_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/jobs/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/jobs/{Guid.NewGuid()}/model")).StatusCode);
    }

    [Fact]
    public async Task Cancel_stops_a_running_job_promptly()
    {
        var request = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1));
        var job = await _client.SubmitAsync(request);
        await _client.WaitAsync(job.Id, j => j.CheckpointEpoch >= 1);

        var requestedAt = DateTime.UtcNow;
        var response = await _client.Http.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cancelled = await _client.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(120)); // a generous wait; the recorded times judge

        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.True(cancelled.FinishedAt - requestedAt < TimeSpan.FromSeconds(5), $"stopped {(cancelled.FinishedAt - requestedAt)?.TotalSeconds:F2} s after the request");
        Assert.True(cancelled.CheckpointEpoch < 20000);
        var points = await _client.AllMetricsAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, points.Count).Select(i => (long)i), points.Select(p => p.Seq));
        Assert.Equal(HttpStatusCode.Conflict, (await _client.Http.PostAsync($"/api/jobs/{job.Id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Weights_of_a_running_job_are_a_404_until_it_has_succeeded()
    {
        var job = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1)));
        await _client.WaitAsync(job.Id, j => j.State == JobState.Running && j.CheckpointEpoch >= 1);

        var early = await _client.Http.GetAsync($"/api/jobs/{job.Id}/model");
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Contains("weights exist once it has succeeded", (await early.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        await _client.Http.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        Assert.Equal(JobState.Cancelled, (await _client.WaitFinishedAsync(job.Id)).State);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/model")).StatusCode);
    }

    [Fact]
    public async Task Cancel_of_a_queued_job_ends_it_at_once_and_it_never_runs()
    {
        // Both slots busy, so the third job waits in the queue.
        var long_ = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 20000), ("training.batchSize", 1));
        var busy = new[] { await _client.SubmitAsync(long_), await _client.SubmitAsync(long_) };
        foreach (var job in busy) await _client.WaitAsync(job.Id, j => j.State == JobState.Running);
        var waiting = await _client.SubmitAsync(DojoClient.Sample("xor"));

        var response = await _client.Http.PostAsync($"/api/jobs/{waiting.Id}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cancelled = await _client.GetAsync(waiting.Id);
        Assert.Equal(JobState.Cancelled, cancelled.State);
        Assert.Equal(0, cancelled.Attempts);
        foreach (var job in busy) await _client.Http.PostAsync($"/api/jobs/{job.Id}/cancel", null);
        foreach (var job in busy) Assert.Equal(JobState.Cancelled, (await _client.WaitFinishedAsync(job.Id)).State);
        Assert.Equal(0, (await _client.GetAsync(waiting.Id)).Attempts);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.Http.PostAsync($"/api/jobs/{waiting.Id}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.PostAsync($"/api/jobs/{Guid.NewGuid()}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task Too_large_learning_rate_ends_diverged_naming_the_step()
    {
        var request = DojoClient.With(DojoClient.Sample("xor"),
            ("network.layers", JsonNode.Parse("""[{ "type": "dense", "units": 8 }, { "type": "activation", "function": "relu" }, { "type": "dense", "units": 1 }]""")),
            ("optimizer.learningRate", 1e6), ("training.epochs", 50));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);

        Assert.Equal(JobState.Diverged, job.State);
        Assert.Matches(@"loss became (NaN|∞|-?Infinity|-∞) at epoch \d+, step \d+; last finite loss", job.Reason);
    }

    [Fact]
    public async Task Job_stored_but_never_enqueued_is_handed_over_and_trained()
    {
        // As if the API stopped between storing the job and handing it to Hangfire.
        var submitted = await _client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 3)));
        await _client.WaitFinishedAsync(submitted.Id);
        var orphan = Job.Create("orphan", submitted.OwnerId, "cpu", SpecJson.Serialize(submitted.Spec), DateTime.UtcNow);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync())
        {
            db.Jobs.Add(orphan);
            await db.SaveChangesAsync();
        }

        var job = await _client.WaitFinishedAsync(orphan.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(1, job.Attempts);
    }

    [Fact]
    public async Task Jobs_list_filters_by_state_and_pages()
    {
        var request = DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2));
        var ids = new List<Guid>();
        for (int i = 0; i < 3; i++) ids.Add((await _client.SubmitAsync(request)).Id);
        foreach (var id in ids) await _client.WaitFinishedAsync(id);

        var page = await _client.Http.GetFromJsonAsync<JobPage>("/api/jobs?state=succeeded&page=1&pageSize=2", SpecJson.Options);
        Assert.Equal(2, page!.Items.Count);
        Assert.All(page.Items, j => Assert.Equal(JobState.Succeeded, j.State));
        Assert.True(page.Total >= 3);
        var none = await _client.Http.GetFromJsonAsync<JobPage>("/api/jobs?state=diverged&pageSize=500", SpecJson.Options);
        Assert.DoesNotContain(none!.Items, j => ids.Contains(j.Id));
    }

    [Fact]
    public async Task Saved_specs_can_be_referenced_by_id()
    {
        var sample = DojoClient.Sample("xor");
        var saved = await _client.Http.PostAsJsonAsync("/api/networks", new JsonObject { ["name"] = "xor-4-2", ["spec"] = sample["network"]!.DeepClone() });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var networkId = (await saved.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        var request = DojoClient.With(sample, ("training.epochs", 3));
        request.Remove("network");
        request["networkId"] = networkId.ToString();
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal(4, Assert.IsType<DenseLayer>(job.Supervised().Network.Layers[0]).Units);
        var listed = await _client.Http.GetFromJsonAsync<JsonArray>("/api/networks");
        Assert.Contains(listed!, n => n!["name"]!.GetValue<string>() == "xor-4-2");
    }
}

/// <summary>The JobsApi tests on SQLite with artifacts in the data directory (the defaults).</summary>
public sealed class JobsApiTests(DojoFactory factory) : JobsApiSuite(factory), IClassFixture<DojoFactory>;

/// <summary>The same tests on PostgreSQL with artifacts in the database: the several-machines configuration.</summary>
public sealed class JobsApiPostgresTests(PostgresFactory factory) : JobsApiSuite(factory), IClassFixture<PostgresFactory>;
