using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.LanguageModel;
using Dojo.Domain.Specs;
using Dojo.Protos.V1;
using JobState = Dojo.Domain.Jobs.JobState;
using MetricPoint = Dojo.Protos.V1.MetricPoint;
using Dojo.Worker.Training;
using Dojo.Worker.Training.LanguageModel;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>
/// Character-level language models on the shipped Sherlock Holmes text, through the real API and worker: perplexity
/// against the unigram model's, samples that turn into words, the generate endpoint, resume, uploads and bad specs.
/// </summary>
public sealed partial class LanguageModelTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    /// <summary>The sample on the first 60,000 characters with a smaller LSTM: the suite's fast variant (DOJO_FULL_LANGUAGE_MODEL=1: the sample as shipped).</summary>
    private static JsonObject FastSample() => Environment.GetEnvironmentVariable("DOJO_FULL_LANGUAGE_MODEL") == "1"
        ? DojoClient.Sample("char-lstm-sherlock")
        : DojoClient.With(DojoClient.Sample("char-lstm-sherlock"), ("dataset.characters", 60_000), ("dataset.sequenceLength", 50),
            ("network.layers", JsonNode.Parse("""[ { "type": "embedding", "vocabulary": 81, "size": 24 }, { "type": "lstm", "hiddenSize": 128, "returnSequences": true }, { "type": "dense", "units": 81 } ]""")),
            ("optimizer.learningRate", 0.005), ("training.epochs", 12), ("training.batchSize", 32));

    [Fact]
    public async Task A_character_lstm_beats_the_unigram_model_well_and_its_samples_turn_into_words()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(FastSample())).Id, TimeSpan.FromMinutes(20));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        var points = await _client.AllMetricsAsync(job.Id);
        var perplexity = points.Where(p => p.Name == LanguageModelMetrics.ValPerplexity).Select(p => p.Value).ToList();
        double unigram = points.First(p => p.Name == LanguageModelMetrics.ValUnigramPerplexity).Value;
        var samples = points.Where(p => p.Name == LanguageModelMetrics.Sample).Select(p => p.Text!).ToList();
        var words = TrainingWords();
        var wordShare = samples.Select(s => WordShare(s, words)).ToList();
        output.WriteLine($"validation perplexity by epoch: {string.Join(", ", perplexity.Select(p => p.ToString("F2")))}; unigram {unigram:F2}; test {job.Result![LanguageModelMetrics.TestPerplexity]:F2}; {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F0} s");
        output.WriteLine($"share of sampled words that are the book's: {string.Join(", ", wordShare.Select(w => w.ToString("F2")))}");
        output.WriteLine($"epoch 1: {samples[0]}\nlast epoch: {samples[^1]}");

        Assert.True(perplexity[^1] < 0.5 * unigram, $"validation perplexity {perplexity[^1]} vs unigram {unigram}");
        Assert.True(perplexity[^1] < perplexity[0], "perplexity did not fall");
        Assert.All(samples, s => Assert.StartsWith("Holmes ", s));
        Assert.True(wordShare[^1] >= 0.6 && wordShare[^1] > wordShare[0], $"word share {string.Join(", ", wordShare)}");

        // The finished job writes on request: the same seed the same text, another prompt, or the likeliest characters.
        var first = await GenerateAsync(job.Id, new { prompt = "Watson", length = 120, seed = 5 });
        var again = await GenerateAsync(job.Id, new { prompt = "Watson", length = 120, seed = 5 });
        Assert.Equal(first.Text, again.Text);
        Assert.Equal(126, first.Text.Length);
        Assert.StartsWith("Watson", first.Text);
        var greedy = await GenerateAsync(job.Id, new { prompt = "It was", length = 60, temperature = 0.0, seed = 1 });
        Assert.Equal(greedy.Text, (await GenerateAsync(job.Id, new { prompt = "It was", length = 60, temperature = 0.0, seed = 2 })).Text);

        foreach (var (body, field) in new (object, string)[] { (new { prompt = "Holmes ☃" }, "prompt"), (new { length = 0 }, "length"), (new { temperature = -1 }, "temperature"), (new { steps = 3 }, "steps") })
        {
            var refused = await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        }
    }

    private async Task<GenerateResponse> GenerateAsync(Guid jobId, object request)
    {
        var response = await _client.Http.PostAsJsonAsync($"/api/jobs/{jobId}/predict", request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<GenerateResponse>())!;
    }

    private static HashSet<string> TrainingWords()
    {
        var spec = new TextDatasetSpec { Name = BuiltinText.Sherlock };
        return Word().Matches(TextData.Read(spec, Path.Combine(AppContext.BaseDirectory, "datasets"), null)).Select(m => m.Value.ToLowerInvariant()).ToHashSet();
    }

    /// <summary>Of the generated words (after the prompt), the share that occur in the book.</summary>
    private static double WordShare(string sample, HashSet<string> words)
    {
        var generated = Word().Matches(sample["Holmes ".Length..]).Select(m => m.Value.ToLowerInvariant()).ToList();
        return generated.Count == 0 ? 0 : generated.Count(words.Contains) / (double)generated.Count;
    }

    [GeneratedRegex("[A-Za-z]+")]
    private static partial Regex Word();

    [Fact]
    public void The_shipped_text_is_as_its_description_says()
    {
        var spec = new TextDatasetSpec { Name = BuiltinText.Sherlock };
        string text = TextData.Read(spec, Path.Combine(AppContext.BaseDirectory, "datasets"), null);
        var (characters, alphabet) = TextDatasetSpec.Describe(BuiltinText.Sherlock);
        Assert.Equal(characters, text.Length);
        Assert.Equal(alphabet, TextData.AlphabetOf(text));
        Assert.StartsWith("To Sherlock Holmes she is always THE woman.", text[text.IndexOf("To Sherlock", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void A_language_model_resumed_from_a_checkpoint_writes_and_ends_exactly_like_an_uninterrupted_run()
    {
        var spec = new LanguageModelSpec
        {
            Dataset = new TextDatasetSpec { Name = BuiltinText.Sherlock, Characters = 8000, SequenceLength = 20, ValidationPercent = 10, TestPercent = 10 },
            Network = new NetworkSpec { Layers = [new EmbeddingLayer(81, 8), new GruLayer(24) { Layers = 2, Dropout = 0.2, ReturnSequences = true }, new DenseLayer(81), new ActivationLayer(ActivationFunction.Softmax)] },
            Training = new TrainingLoop { Epochs = 4, BatchSize = new BatchSize(16), Seed = 3 },
            Sample = new SampleSpec { Prompt = "The ", Length = 40 },
        };
        var full = ResumeCheck.AssertResumesExactly(new LanguageModelTrainer(new DeviceResolver()), spec);
        Assert.All(full.Epochs, e => Assert.Equal(44, e.Metrics.Single(m => m.Name == LanguageModelMetrics.Sample).Text!.Length));
    }

    /// <summary>An uploaded text trains; each epoch's sample reaches a gRPC watcher as a text point and REST readers too.</summary>
    [Fact]
    public async Task An_uploaded_text_trains_and_its_samples_reach_grpc_watchers_as_text_points()
    {
        string text = string.Concat(Enumerable.Repeat("the cat sat on the mat. the dog sat on the log. ", 60));
        using var form = new MultipartFormDataContent { { new StringContent("rhymes"), "name" } };
        form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text)), "text", "rhymes.txt");
        var uploaded = await _client.Http.PostAsync("/api/datasets/uploads", form);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var upload = (await uploaded.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(" .acdeghlmnost", upload["info"]!["alphabet"]!.GetValue<string>());

        var request = JsonNode.Parse($$"""
            { "kind": "languageModel", "dataset": { "kind": "text", "uploadId": "{{upload["id"]}}", "sequenceLength": 16, "validationPercent": 10, "testPercent": 10 },
              "network": { "layers": [ { "type": "embedding", "vocabulary": 14, "size": 8 }, { "type": "gru", "hiddenSize": 32, "returnSequences": true }, { "type": "dense", "units": 14 } ] },
              "training": { "epochs": 15, "batchSize": 16 }, "sample": { "prompt": "the ", "length": 30, "temperature": 0 } }
            """)!.AsObject();
        var job = await _client.SubmitAsync(request);
        var jobs = new Protos.V1.Jobs.JobsClient(factory.CreateGrpcChannel());
        var texts = new List<MetricPoint>();
        using (var call = jobs.WatchJob(new WatchJobRequest { JobId = job.Id.ToString(), FromSeq = 1 }))
            await foreach (var e in call.ResponseStream.ReadAllAsync())
                if (e.EventCase == JobEvent.EventOneofCase.Metric && e.Metric.Name == LanguageModelMetrics.Sample) texts.Add(e.Metric);

        var finished = await _client.GetAsync(job.Id);
        Assert.True(finished.State == JobState.Succeeded, $"{finished.State}: {finished.Reason}");
        Assert.Equal(15, texts.Count);
        Assert.All(texts, t => Assert.Equal(t.Text.Length, t.Value));
        output.WriteLine($"greedy sample after 15 epochs: {texts[^1].Text}");
        Assert.Contains("sat on the", texts[^1].Text);
        var stored = (await _client.AllMetricsAsync(job.Id)).Where(p => p.Name == LanguageModelMetrics.Sample).Select(p => p.Text);
        Assert.Equal(texts.Select(t => t.Text), stored);
    }

    public static TheoryData<string, string> BadSpecs => new()
    {
        { """{ "network.layers": [ { "type": "embedding", "vocabulary": 60, "size": 8 }, { "type": "lstm", "hiddenSize": 16, "returnSequences": true }, { "type": "dense", "units": 81 } ] }""", "network.layers[0].vocabulary" },
        { """{ "network.layers": [ { "type": "lstm", "hiddenSize": 16, "returnSequences": true }, { "type": "dense", "units": 81 } ] }""", "network.layers[0]" },
        { """{ "network.layers": [ { "type": "embedding", "vocabulary": 81, "size": 8 }, { "type": "lstm", "hiddenSize": 16 }, { "type": "dense", "units": 81 } ] }""", "network.layers[2]" },
        { """{ "sample.prompt": "Holmes ☃" }""", "sample.prompt" },
        { """{ "sample.temperature": -0.5 }""", "sample.temperature" },
        { """{ "dataset.sequenceLength": 1 }""", "dataset.sequenceLength" },
        { """{ "dataset.characters": 10 }""", "dataset.characters" },
        { """{ "dataset.name": "hamlet" }""", "dataset.name" },
        { """{ "dataset": { "kind": "timeSeries", "series": "airline" } }""", "dataset.kind" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Bad_language_model_specs_are_refused_naming_the_field_and_nothing_is_stored(string changes, string field)
    {
        await _client.AssertRefusedAsync(DojoClient.Sample("char-lstm-sherlock"), changes, field);
    }
}
