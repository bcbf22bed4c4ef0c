using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Forecast;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Forecast;
using Microsoft.AspNetCore.Mvc;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>Forecast jobs: the shipped airline series through the real API and worker, the naive baseline, the forecast endpoint, windows that do not leak, resume, bad specs.</summary>
public sealed class ForecastTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    [Fact]
    public async Task An_lstm_forecaster_beats_the_naive_forecast_on_the_last_24_months_of_airline_passengers_and_forecasts_past_1960()
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("forecast-airline"))).Id, TimeSpan.FromMinutes(3));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        double rmse = job.Result![ForecastMetrics.TestRmse], naive = job.Result[ForecastMetrics.TestNaiveRmse];
        output.WriteLine($"airline, last 24 months: LSTM RMSE {rmse:F1}, MAE {job.Result[ForecastMetrics.TestMae]:F1}, naive RMSE {naive:F1} (thousands of passengers); {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F1} s");
        Assert.True(rmse < naive, $"RMSE {rmse} vs naive {naive}");
        var points = await _client.AllMetricsAsync(job.Id);
        Assert.Equal(100, points.Count(p => p.Name == ForecastMetrics.ValRmse));
        Assert.All(points.Where(p => p.Name == ForecastMetrics.ValNaiveRmse), p => Assert.Equal(naive, p.Value, 9)); // no validation part: the test window

        var response = await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", new { steps = 12 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forecast = (await response.Content.ReadFromJsonAsync<ForecastResponse>())!;
        output.WriteLine($"1961 forecast: {string.Join(", ", forecast.Forecast.Select(v => v.ToString("F0")))}");
        Assert.Equal(("airline", 144, 432.0), (forecast.Series, forecast.Known, forecast.Last));
        Assert.Equal(12, forecast.Forecast.Count);
        // The seasonal shape the network learnt: 1961's summer above its winter, in the range the series was heading.
        Assert.True(forecast.Forecast[6] > forecast.Forecast[10], string.Join(", ", forecast.Forecast));
        Assert.All(forecast.Forecast, v => Assert.InRange(v, 300, 800));

        foreach (var (body, field) in new (object, string)[] { (new { steps = 0 }, "steps"), (new { days = 3 }, "days"), (new { }, "steps") })
        {
            var refused = await _client.Http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        }
    }

    /// <summary>A series uploaded as CSV (a header, a date column, the values) trains a forecast; the wrong kind of upload is named.</summary>
    [Fact]
    public async Task An_uploaded_series_trains_a_forecast_and_is_refused_where_images_are_expected()
    {
        var values = TimeSeriesData.Sine(200, 20, 0.05, seed: 7);
        string csv = "day,level\n" + string.Join("\n", values.Select((v, t) => $"2026-{1 + t / 28:00}-{1 + t % 28:00},{v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
        using var form = new MultipartFormDataContent { { new StringContent("tide"), "name" }, { new StringContent("level"), "column" } };
        form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "series", "tide.csv");
        var uploaded = await _client.Http.PostAsync("/api/datasets/uploads", form);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var upload = (await uploaded.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(200, upload["info"]!["count"]!.GetValue<int>());
        string uploadId = upload["id"]!.GetValue<string>();

        var request = DojoClient.With(DojoClient.Sample("forecast-airline"),
            ("dataset", JsonNode.Parse($$"""{ "kind": "timeSeries", "uploadId": "{{uploadId}}", "lookback": 20, "testSteps": 40 }""")), ("training.epochs", 20));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id, TimeSpan.FromMinutes(2));
        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        Assert.True(job.Result![ForecastMetrics.TestRmse] < job.Result[ForecastMetrics.TestNaiveRmse], $"{job.Result[ForecastMetrics.TestRmse]} vs naive {job.Result[ForecastMetrics.TestNaiveRmse]}");

        var asImages = DojoClient.With(DojoClient.Sample("lstm-digits"), ("dataset", JsonNode.Parse($$"""{ "kind": "upload", "uploadId": "{{uploadId}}" }""")));
        var refused = await _client.Http.PostAsJsonAsync("/api/jobs", asImages);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("a time series", Assert.Single((await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["dataset.uploadId"]));

        using var broken = new MultipartFormDataContent { { new StringContent("broken"), "name" } };
        broken.Add(new ByteArrayContent("value\n1\n2\nthree\n"u8.ToArray()), "series", "broken.csv");
        var brokenResponse = await _client.Http.PostAsync("/api/datasets/uploads", broken);
        Assert.Equal(HttpStatusCode.BadRequest, brokenResponse.StatusCode);
        Assert.Contains("'three' is not a number", Assert.Single((await brokenResponse.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["series"]));
    }

    [Fact]
    public void Windows_take_their_targets_from_one_period_and_scaling_from_the_training_part_alone()
    {
        var spec = new TimeSeriesDatasetSpec { Series = BuiltinSeries.Sine, Length = 100, Lookback = 5, Horizon = 2, TestSteps = 20, ValidationSteps = 10, Noise = 0 };
        var values = Enumerable.Range(0, 100).Select(t => (double)t).ToArray(); // a ramp: later periods are larger than any training value
        var data = TimeSeriesData.From(spec, values);

        Assert.Equal(Enumerable.Range(5, 64), data.Train.Starts);      // targets t, t+1 < 70
        Assert.Equal(Enumerable.Range(70, 9), data.Validation.Starts);  // targets in [70, 80)
        Assert.Equal(Enumerable.Range(80, 19), data.Test.Starts);       // targets in [80, 100)
        Assert.Equal(34.5, data.Offset, 9);                             // the mean of 0…69 only
        // Inputs of a test window may be earlier values (they were known); its targets are its own period's.
        Assert.Equal([75f, 76, 77, 78, 79], data.Test.Inputs[..5].Select(v => (float)Math.Round(v * data.Scale + data.Offset, 3)));

        // Differenced: the network sees changes (all 1 here), forecasts are added back onto the last known value.
        var differenced = TimeSeriesData.From(spec with { Difference = true }, values);
        Assert.Equal(Enumerable.Range(6, 63), differenced.Train.Starts);
        Assert.Equal([80.0, 81.0], differenced.ToValues(80, [(float)((1 - differenced.Offset) / differenced.Scale), (float)((1 - differenced.Offset) / differenced.Scale)]));
        var (rmse, _, naive) = differenced.Errors(differenced.Test, Enumerable.Repeat((float)((1 - differenced.Offset) / differenced.Scale), 19 * 2).ToArray());
        Assert.Equal(0, rmse, 9);
        Assert.Equal(Math.Sqrt((1 + 4) / 2.0), naive, 9); // the last value held: off by 1, then 2
    }

    [Fact]
    public void A_forecast_job_resumed_from_a_checkpoint_ends_exactly_like_an_uninterrupted_run()
    {
        var spec = new ForecastSpec
        {
            Dataset = new TimeSeriesDatasetSpec { Series = BuiltinSeries.Sine, Length = 300, Lookback = 20, Horizon = 3, TestSteps = 30, ValidationSteps = 30, Seed = 4 },
            Network = new NetworkSpec { Layers = [new GruLayer(16) { Layers = 2, Dropout = 0.2 }, new DropoutLayer(0.1), new DenseLayer(3)] },
            Training = new TrainingSpec { Epochs = 5, BatchSize = new BatchSize(16), Seed = 9 },
        };
        var full = ResumeCheck.AssertResumesExactly(new ForecastTrainer(new DeviceResolver()), spec);
        var losses = full.Epochs.Select(e => e.Metrics.Single(m => m.Name == MetricNames.ValLoss).Value).ToList();
        Assert.True(losses[^1] < losses[0], $"validation loss {string.Join(", ", losses)}");
    }

    public static TheoryData<string, string> BadSpecs => new()
    {
        { """{ "dataset.lookback": 200 }""", "dataset.lookback" },                       // longer than the series allows
        { """{ "dataset.lookback": 0 }""", "dataset.lookback" },
        { """{ "dataset.testSteps": 150 }""", "dataset.lookback" },                      // nothing left to train on
        { """{ "dataset.series": null }""", "dataset.series" },
        { """{ "dataset.period": 12 }""", "dataset.period" },                            // sine only
        { """{ "network.layers": [ { "type": "lstm", "hiddenSize": 8 }, { "type": "dense", "units": 3 } ] }""", "network.layers[1]" }, // horizon 1
        { """{ "network.layers": [ { "type": "embedding", "vocabulary": 10, "size": 4 }, { "type": "lstm", "hiddenSize": 8 }, { "type": "dense", "units": 1 } ] }""", "network.layers[0]" },
        { """{ "network.layers": [ { "type": "lstm", "hiddenSize": 0 }, { "type": "dense", "units": 1 } ] }""", "network.layers[0].hiddenSize" },
        { """{ "training.loss": "crossEntropy" }""", "training.loss" },
        { """{ "dataset": { "kind": "builtin", "name": "digits" } }""", "dataset.kind" }, // images are for supervised jobs
        { """{ "kind": "supervised" }""", "dataset.kind" },                              // and series for forecasts
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Bad_forecast_specs_are_refused_naming_the_field_and_nothing_is_stored(string changes, string field)
    {
        await _client.AssertRefusedAsync(DojoClient.Sample("forecast-airline"), changes, field);
    }
}
