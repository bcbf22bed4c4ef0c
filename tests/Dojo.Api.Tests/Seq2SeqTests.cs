using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Seq2Seq;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Seq2Seq;
using Microsoft.AspNetCore.Mvc;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>Encoder–decoder jobs through the real API and worker: reversal with LSTM and GRU cells, answers, the two named networks, resume, bad specs.</summary>
public sealed class Seq2SeqTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public async Task An_encoder_decoder_reverses_unseen_five_digit_strings(string cell)
    {
        var request = DojoClient.With(DojoClient.Sample("seq2seq-reverse"), ("model.cell", cell), ("name", $"{cell} reverse"));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id, TimeSpan.FromMinutes(5));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        var points = await _client.AllMetricsAsync(job.Id);
        output.WriteLine($"{cell}: validation exact match by epoch {string.Join(", ", points.Where(p => p.Name == Seq2SeqMetrics.ValExactMatch).Select(p => p.Value.ToString("F2")))}; " +
            $"test exact match {job.Result![Seq2SeqMetrics.TestExactMatch]:F4}, per symbol {job.Result[Seq2SeqMetrics.TestCharAccuracy]:F4}; {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F0} s");
        Assert.True(job.Result[Seq2SeqMetrics.TestExactMatch] >= 0.90, $"test exact match {job.Result[Seq2SeqMetrics.TestExactMatch]}");

        var response = await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", new { inputs = new[] { "12345", "90817", "555" } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = (await response.Content.ReadFromJsonAsync<Seq2SeqResponse>())!.Answers;
        output.WriteLine(string.Join("; ", answers.Select(a => $"{a.Input} → {a.Output}")));
        Assert.Equal(["54321", "71809", "555"], answers.Select(a => a.Expected));
        Assert.Equal(answers.Select(a => a.Output == a.Expected), answers.Select(a => a.Correct!.Value));
        Assert.True(answers[0].Correct == true && answers[1].Correct == true, string.Join("; ", answers)); // "555" is shorter than any it learnt from

        // Two networks, each downloadable by name; there is no single "model".
        foreach (var name in new[] { "encoder", "decoder" })
            Assert.Equal(HttpStatusCode.OK, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/model?name={name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.Http.GetAsync($"/api/jobs/{job.Id}/model")).StatusCode);

        foreach (var (body, field) in new (object, string)[] { (new { inputs = new[] { "12a" } }, "inputs[0]"), (new { inputs = new[] { "1234567" } }, "inputs[0]"), (new { inputs = Array.Empty<string>() }, "inputs") })
        {
            var refused = await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        }
    }

    /// <summary>Addition written as text ("37+5" → "42"): the suite's fast variant of samples/seq2seq-addition.json (two-digit numbers).</summary>
    [Fact]
    public async Task An_encoder_decoder_learns_to_add_numbers_written_as_text()
    {
        var request = Environment.GetEnvironmentVariable("DOJO_FULL_SEQ2SEQ") == "1" ? DojoClient.Sample("seq2seq-addition")
            : DojoClient.With(DojoClient.Sample("seq2seq-addition"), ("dataset.maxLength", 2), ("dataset.samples", 8000), ("training.epochs", 20));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id, TimeSpan.FromMinutes(20));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        output.WriteLine($"addition: test exact match {job.Result![Seq2SeqMetrics.TestExactMatch]:F4}, per symbol {job.Result[Seq2SeqMetrics.TestCharAccuracy]:F4}; {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F0} s");
        Assert.True(job.Result[Seq2SeqMetrics.TestExactMatch] >= 0.75, $"test exact match {job.Result[Seq2SeqMetrics.TestExactMatch]}");
        var answers = (await (await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", new { inputs = new[] { "37+5", "12+34" } })).Content.ReadFromJsonAsync<Seq2SeqResponse>())!.Answers;
        output.WriteLine(string.Join("; ", answers.Select(a => $"{a.Input} → {a.Output}")));
        Assert.Equal(["42", "46"], answers.Select(a => a.Expected));
    }

    [Fact]
    public void Pairs_are_distinct_split_by_input_and_answered_as_the_task_says()
    {
        var data = SequencePairsData.Make(new SequencePairsDatasetSpec { Task = SequenceTask.Addition, Samples = 2000, MaxLength = 2, Seed = 4 });
        var all = data.Train.Pairs.Concat(data.Validation.Pairs).Concat(data.Test.Pairs).ToList();
        Assert.Equal(2000, all.Select(p => p.Input).Distinct().Count());
        Assert.Equal((1600, 200, 200), (data.Train.Count, data.Validation.Count, data.Test.Count));
        Assert.All(all, p => Assert.Equal(int.Parse(p.Input.Split('+')[0]) + int.Parse(p.Input.Split('+')[1]), int.Parse(p.Output)));
        Assert.Equal("42", SequencePairsData.Answer(SequenceTask.Addition, "37+5"));
        Assert.Equal("54321", SequencePairsData.Answer(SequenceTask.Reverse, "12345"));

        // "37+5" read by the encoder: left-padded to the longest input (2 + 1 + 2), symbols from token 3; the answer ends in End.
        var tokens = data.EncodeInputs(["37+5"]);
        Assert.Equal([Seq2SeqSpec.Pad, 3 + 3, 3 + 7, 3 + 10, 3 + 5], tokens);
        Assert.Equal("42", data.Decode([3 + 4, 3 + 2, Seq2SeqSpec.End, 3 + 9]));
    }

    [Fact]
    public void A_seq2seq_job_resumed_from_a_checkpoint_ends_exactly_like_an_uninterrupted_run()
    {
        var spec = new Seq2SeqSpec
        {
            Dataset = new SequencePairsDatasetSpec { Samples = 600, MinLength = 2, MaxLength = 4, Seed = 2 },
            Model = new Seq2SeqModelSpec { Cell = Seq2SeqCell.Gru, EmbeddingSize = 8, HiddenSize = 24, Layers = 2, Dropout = 0.2 },
            Training = new Seq2SeqTraining { Epochs = 4, BatchSize = new BatchSize(32), TeacherForcing = 0.5, Seed = 6 },
        };
        ResumeCheck.AssertResumesExactly(new Seq2SeqTrainer(new DeviceResolver()), spec, "encoder", "decoder");
    }

    public static TheoryData<string, string> BadSpecs => new()
    {
        { """{ "model.hiddenSize": 0 }""", "model.hiddenSize" },
        { """{ "model.cell": "rnn" }""", "model.cell" },
        { """{ "model.dropout": 0.3 }""", "model.dropout" },
        { """{ "training.teacherForcing": 1.5 }""", "training.teacherForcing" },
        { """{ "dataset.samples": 50000, "dataset.maxLength": 3 }""", "dataset.samples" },   // 1,110 distinct strings of 1–3 digits
        { """{ "dataset.minLength": 7 }""", "dataset.minLength" },
        { """{ "dataset.task": "sort" }""", "dataset.task" },
        { """{ "network": { "layers": [] } }""", "network" },                               // a seq2seq job has a model, not layers
        { """{ "dataset": { "kind": "text", "name": "sherlock" } }""", "dataset.kind" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Bad_seq2seq_specs_are_refused_naming_the_field_and_nothing_is_stored(string changes, string field)
    {
        await _client.AssertRefusedAsync(DojoClient.Sample("seq2seq-reverse"), changes, field);
    }
}
