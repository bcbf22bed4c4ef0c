using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Exercises;
using Dojo.Api.Playground;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Exercises;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Playground;
using Dojo.Domain.Playground;
using Dojo.Domain.Specs;
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

        // The page's own run, posted as parse gives it (the README says to).
        var exact = await _client.WaitFinishedAsync((await _client.SubmitAsync(parsed["exact"]!.DeepClone().AsObject())).Id);
        Assert.True(exact.State == JobState.Succeeded, $"{exact.State}: {exact.Reason}");
        Assert.Equal("playground", exact.Spec.Kind);
        Assert.True(exact.Result![MetricNames.TestAccuracy] >= 0.9, $"test accuracy {exact.Result[MetricNames.TestAccuracy]}");
    }

    /// <summary>Every playground URL the README shows is one Dojo reads (no placeholder a student would copy and get a 400 for).</summary>
    [Fact]
    public async Task Every_playground_url_in_the_readme_parses()
    {
        string readme = await File.ReadAllTextAsync(Path.Combine(DojoProcess.RepositoryRoot(), "README.md"));
        var urls = System.Text.RegularExpressions.Regex.Matches(readme, @"https://(?:playground\.tensorflow\.org|deepinsider\.github\.io/playground)/#[^""'\s)]*")
            .Select(m => m.Value).Distinct().ToList();
        Assert.True(urls.Count >= 4, $"found {urls.Count} URLs");
        // Each data set's URL in the README's requests is a whole URL, not a placeholder.
        foreach (System.Text.RegularExpressions.Match given in System.Text.RegularExpressions.Regex.Matches(readme, @"""(?:xor|spiral)"":\s*""([^""]*)"""))
            Assert.Contains(given.Groups[1].Value, urls);
        foreach (var url in urls)
        {
            var response = await _client.Http.PostAsJsonAsync("/api/playground/parse", new { url, epochs = 10 });
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {await response.Content.ReadAsStringAsync()}");
            Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["exact"]);
        }
    }

    private const string Page = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&learningRate=0.03&noise=0" +
        "&seed=0.12345&percTrainData=50&x=true&y=true&problem=classification";

    /// <summary>Hands in the URLs as <paramref name="student"/> for the seeded 演習① and waits for the automatic grade.</summary>
    private async Task<SubmissionDto> SubmitAndWaitAsync(HttpClient student, string xor, string spiral)
    {
        var exercise = await CourseHelpers.SeededExerciseAsync(_client.Http, 1);
        var response = await student.PostAsJsonAsync($"/api/exercises/{exercise}/submissions", new { playgroundUrls = new { xor, spiral } });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var submission = JsonSerializer.Deserialize<SubmissionDto>(body, SpecJson.Options)!;
        Assert.Equal(SubmissionState.Grading, submission.State);
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (submission.State == SubmissionState.Grading)
        {
            Assert.True(DateTime.UtcNow < deadline, "grading did not finish");
            await Task.Delay(200);
            submission = (await student.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{submission.Id}", SpecJson.Options))!;
        }
        return submission;
    }

    [Fact]
    public async Task Exercise_1_passes_good_settings_and_fails_a_linear_xor_naming_the_jobs()
    {
        var (student, _) = await factory.CreateStudentAsync("演習 一郎");
        var (other, _) = await factory.CreateStudentAsync("演習 二郎");
        var good = await SubmitAndWaitAsync(student, Page + "&dataset=xor&networkShape=4,2", Page + "&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true");

        Assert.Equal((SubmissionState.Graded, true), (good.State, good.AutoPassed));
        Assert.Contains("xor: passed", good.AutoSummary);
        var grading = good.AutoGrading!;
        Assert.Equal([PlaygroundGenerator.Xor, PlaygroundGenerator.Spiral], grading.Datasets.Select(d => d.Dataset));
        foreach (var dataset in grading.Datasets)
        {
            Assert.True(dataset.Passed);
            Assert.Equal(2, dataset.Jobs.Count);
            foreach (var run in dataset.Jobs)
            {
                // The runs are the student's own jobs: visible to them (with their figures), not to another student.
                var trained = await new DojoClient(student).GetAsync(run.JobId);
                Assert.Equal((JobState.Succeeded, 500, true), (trained.State, Assert.IsType<PlaygroundJobSpec>(trained.Spec).Training.Epochs, trained.InGroup));
                Assert.NotEmpty(await new DojoClient(student).AllMetricsAsync(run.JobId));
                Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/jobs/{run.JobId}")).StatusCode);
            }
        }
        var figure = await student.GetAsync(grading.Datasets[0].Jobs[0].LossPlot);
        Assert.Equal("image/png", figure.Content.Headers.ContentType!.MediaType);
        using (var bitmap = SkiaSharp.SKBitmap.Decode(await figure.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal((800, 500), (bitmap.Width, bitmap.Height));
            Assert.True(bitmap.Pixels.Distinct().Count() > 20, "the plot has curves, axes and text, not a blank image");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(grading.Datasets[0].Jobs[0].LossPlot)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await student.GetAsync($"/api/jobs/{grading.Datasets[0].Jobs[0].JobId}/plots/speed.png")).StatusCode);

        var linear = await SubmitAndWaitAsync(student, Page + "&dataset=xor&networkShape=&activation=linear", Page + "&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true");
        Assert.Equal((2, SubmissionState.Graded, false), (linear.Attempt, linear.State, linear.AutoPassed));
        var xor = linear.AutoGrading!.Datasets[0];
        foreach (var run in xor.Jobs)
            Assert.Equal(JobState.Succeeded, run.State); // it trained; it just cannot separate XOR
        // The page's own engine gives these runs 0.648 and 0.588 test accuracy (seeds 0.12345 and 0.93409): it fails there too.
        Assert.Equal([0.648, 0.588], xor.Jobs.Select(j => j.TestAccuracy!.Value));
        Assert.False(xor.Passed);
        Assert.Contains("below 0.950", xor.Reason);
        Assert.Contains("xor: failed", linear.AutoSummary);
        var attempts = (await student.GetFromJsonAsync<List<SubmissionDto>>($"/api/exercises/{linear.ExerciseId}/submissions", SpecJson.Options))!;
        Assert.Equal([(2, true), (1, false)], attempts.Select(a => (a.Attempt, a.Latest)));
    }

    [Fact]
    public async Task A_submission_with_a_wrong_url_is_refused_naming_the_data_set_and_nothing_is_queued()
    {
        var (student, _) = await factory.CreateStudentAsync("誤り 三郎");
        var exercise = await CourseHelpers.SeededExerciseAsync(_client.Http, 1);
        var response = await student.PostAsJsonAsync($"/api/exercises/{exercise}/submissions",
            new { playgroundUrls = new { xor = Page + "&dataset=spiral", spiral = Page + "&dataset=spiral" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("not xor", Assert.Single(problem.Errors["playgroundUrls.xor"]));
        Assert.Equal(0, (await student.GetFromJsonAsync<JsonObject>("/api/jobs"))!["total"]!.GetValue<int>());
        Assert.Empty((await student.GetFromJsonAsync<List<SubmissionDto>>($"/api/exercises/{exercise}/submissions", SpecJson.Options))!);
    }

    [Fact]
    public async Task A_grading_started_directly_passes_good_urls_and_reads_back_by_id()
    {
        var response = await _client.Http.PostAsJsonAsync("/api/playground/gradings",
            new { urls = new { xor = Page + "&dataset=xor&networkShape=4,2", spiral = Page + "&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var started = (await response.Content.ReadFromJsonAsync<GradingDto>(SpecJson.Options))!;
        Assert.Equal($"/api/playground/gradings/{started.Id}", response.Headers.Location!.OriginalString);
        // Just queued: no run has test figures yet, and none reads as 0.
        Assert.Equal("running", started.State);
        Assert.All(started.Datasets.SelectMany(d => d.Jobs), j =>
        {
            Assert.False(j.State.IsTerminal());
            Assert.Null(j.TestAccuracy);
            Assert.Null(j.TestLoss);
        });

        var deadline = DateTime.UtcNow.AddMinutes(3);
        var grading = started;
        while (grading.State != "graded")
        {
            Assert.True(DateTime.UtcNow < deadline, "the grading did not finish");
            await Task.Delay(200);
            grading = (await _client.Http.GetFromJsonAsync<GradingDto>(response.Headers.Location, SpecJson.Options))!;
        }
        Assert.True(grading.Passed, string.Join("; ", grading.Datasets.Select(d => $"{d.Dataset}: {d.Reason}")));
        Assert.All(grading.Datasets, d => Assert.All(d.Jobs, j => Assert.Equal(JobState.Succeeded, j.State)));
        Assert.True(grading.Datasets.Single(d => d.Dataset == PlaygroundGenerator.Xor).MeanTestAccuracy >= 0.95);
        // Every run is one the page itself makes: the URL's seed, then one as the page's "regenerate" writes it; and each
        // run's test figures are what the page's own engine gives for that URL and seed (tensorflow/playground's nn.ts and
        // dataset.ts under node, run outside this repository as the domain tests' reference values were), so the verdict is the page's.
        var page = new Dictionary<(PlaygroundGenerator, string), (double Accuracy, double Loss)>
        {
            [(PlaygroundGenerator.Xor, "0.12345")] = (0.988, 0.017133755625322048),
            [(PlaygroundGenerator.Xor, "0.93409")] = (0.996, 0.003953917938860039),
            [(PlaygroundGenerator.Spiral, "0.12345")] = (0.976, 0.036470752930584494),
            [(PlaygroundGenerator.Spiral, "0.93409")] = (0.98, 0.03600234792876087),
        };
        foreach (var dataset in grading.Datasets)
        {
            Assert.Equal(["0.12345", "0.93409"], dataset.Jobs.Select(j => j.SeedText));
            foreach (var run in dataset.Jobs) Assert.Equal(page[(dataset.Dataset, run.SeedText!)], (run.TestAccuracy!.Value, run.TestLoss!.Value));
        }
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/playground/gradings/{Guid.NewGuid()}")).StatusCode);
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
    [InlineData("https://playground.tensorflow.org/#networkShape=3,x&seed=1", "url")]
    [InlineData("https://playground.tensorflow.org/#percTrainData=0&seed=1", "url")]
    [InlineData("https://playground.tensorflow.org/#dataset=xor", "url")]
    public async Task Foreign_or_untrainable_urls_are_400_naming_the_problem(string url, string field)
    {
        var response = await _client.Http.PostAsJsonAsync("/api/playground/parse", new { url });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains(field, problem!.Errors.Keys);
    }

    /// <summary>
    /// Settings the page trains though a TorchSharp job cannot take them — noise beyond the slider, no updates (batch
    /// size 0), a hidden layer of no neurons — parse to the exact page run, with the reason there is no TorchSharp spec;
    /// and the exact job trains them as the page does.
    /// </summary>
    [Theory]
    [InlineData("dataset=circle&noise=80&seed=0.3")]
    [InlineData("dataset=xor&batchSize=0&seed=1")]
    [InlineData("dataset=xor&networkShape=4,0,2&seed=1")]
    public async Task What_the_page_trains_the_exact_run_trains(string fragment)
    {
        string url = "https://playground.tensorflow.org/#" + fragment;
        var parsed = (await (await _client.Http.PostAsJsonAsync("/api/playground/parse", new { url, epochs = 20 })).Content.ReadFromJsonAsync<ParsePlaygroundResponse>(SpecJson.Options))!;
        Assert.Null(parsed.Spec);
        Assert.Contains(parsed.Notes, n => n.StartsWith("no TorchSharp spec", StringComparison.Ordinal));

        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(JsonNode.Parse(JsonSerializer.Serialize<JobSpec>(parsed.Exact, SpecJson.Options))!.AsObject())).Id);

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        var page = new PageRun(PlaygroundState.Parse(url), parsed.Exact.SeedText());
        for (int epoch = 0; epoch < 20; epoch++) page.Epoch();
        Assert.Equal(page.Test().Loss, job.Result![MetricNames.TestLoss]);
    }

    /// <summary>A learning rate that is not a number makes the page's weights NaN at its first update: the exact run ends diverged, as the page's run fails.</summary>
    [Fact]
    public async Task A_rate_that_is_not_a_number_ends_the_exact_run_diverged_as_on_the_page()
    {
        var request = new System.Text.Json.Nodes.JsonObject { ["kind"] = "playground", ["url"] = "https://playground.tensorflow.org/#dataset=xor&seed=1&learningRate=fast", ["training"] = new System.Text.Json.Nodes.JsonObject { ["epochs"] = 5 } };
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);
        Assert.Equal(JobState.Diverged, job.State);
        Assert.Contains("epoch 1", job.Reason);
    }

    /// <summary>
    /// The exact run of the default XOR setting through the API: every epoch's training and test loss are the page's own
    /// (PageRun, itself checked against the page's engine in the domain tests), the decision boundary is kept, the loss
    /// plot shows the test curve; and a run resumed from a checkpoint mid-way ends on the same bits.
    /// </summary>
    [Fact]
    public async Task The_exact_run_records_the_pages_losses_every_epoch_and_keeps_its_boundary()
    {
        const string url = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=xor&learningRate=0.03&noise=0&networkShape=4,2&seed=0.37934&percTrainData=50&x=true&y=true";
        var parsed = (await (await _client.Http.PostAsJsonAsync("/api/playground/parse", new { url, epochs = 60 })).Content.ReadFromJsonAsync<ParsePlaygroundResponse>(SpecJson.Options))!;
        Assert.NotNull(parsed.Spec);
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(JsonNode.Parse(JsonSerializer.Serialize<JobSpec>(parsed.Exact, SpecJson.Options))!.AsObject())).Id);
        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");

        var page = new PageRun(PlaygroundState.Parse(url), "0.37934");
        var expected = new List<string>();
        for (int epoch = 1; epoch <= 60; epoch++)
        {
            page.Epoch();
            expected.AddRange([$"{epoch} loss {page.Train().Loss:R}", $"{epoch} test_loss {page.Test().Loss:R}"]);
        }
        var points = await _client.AllMetricsAsync(job.Id);
        Assert.Equal(expected, points.Where(p => p.Name is "loss" or "test_loss").Select(p => $"{p.Epoch} {p.Name} {p.Value:R}"));
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.95, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");

        var boundary = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/files/boundary.png");
        using (var picture = SkiaSharp.SKBitmap.Decode(boundary))
            Assert.Equal((300, 300), (picture.Width, picture.Height));
        File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, "playground-xor-boundary.png"), boundary);
        Assert.Equal(HttpStatusCode.OK, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/plots/loss.png")).StatusCode);

        var spec = Assert.IsType<PlaygroundJobSpec>(job.Spec);
        var trainer = new Dojo.Worker.Training.Playground.PlaygroundTrainer(new Dojo.Worker.Training.DeviceResolver());
        var full = new RecordingSession(spec);
        trainer.Train(full);
        var resumed = new RecordingSession(spec, full.Epochs[6].Checkpoint);
        trainer.Train(resumed);
        Assert.Equal(full.Epochs.Skip(7).SelectMany(e => e.Metrics), resumed.Epochs.SelectMany(e => e.Metrics));
    }
}
