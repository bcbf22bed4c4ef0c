using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Mvc;

namespace Dojo.Api.Tests;

/// <summary>Image jobs through the real API and worker: a small CNN on the shipped 8×8 digits, and refusals at submit.</summary>
public sealed class ImageJobsTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    private static JsonObject DigitsCnn(params JsonObject[] layers) => new()
    {
        ["name"] = "digits-cnn",
        ["dataset"] = new JsonObject { ["kind"] = "builtin", ["name"] = "digits", ["testCount"] = 360, ["seed"] = 2 },
        ["network"] = new JsonObject { ["layers"] = new JsonArray(layers) },
        ["optimizer"] = new JsonObject { ["kind"] = "adam", ["learningRate"] = 0.01 },
        ["training"] = new JsonObject { ["loss"] = "crossEntropy", ["batchSize"] = 32, ["epochs"] = 8, ["seed"] = 2 },
    };

    private static JsonObject Layer(string type, params (string Key, JsonNode Value)[] fields)
    {
        var layer = new JsonObject { ["type"] = type };
        foreach (var (key, value) in fields) layer[key] = value;
        return layer;
    }

    [Fact]
    public async Task A_small_cnn_learns_the_digits_with_validation_each_epoch()
    {
        var request = DigitsCnn(
            Layer("conv2d", ("outChannels", 8), ("kernel", 3), ("padding", "same")), Layer("activation", ("function", "relu")),
            Layer("maxPool2d", ("kernel", 2)), Layer("batchNorm"),
            Layer("flatten"), Layer("dense", ("units", 10)), Layer("activation", ("function", "softmax")));
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(request)).Id);

        Assert.True(job.State == JobState.Succeeded, job.Reason);
        Assert.True(job.Result![MetricNames.TestAccuracy] >= 0.9, $"test accuracy {job.Result[MetricNames.TestAccuracy]}");
        var points = await _client.AllMetricsAsync(job.Id);
        Assert.Equal(8, points.Count(p => p.Name == MetricNames.ValAccuracy));
        var losses = points.Where(p => p.Name == MetricNames.Loss).Select(p => p.Value).ToList();
        Assert.True(losses[^1] < losses[0] / 2, $"loss {losses[0]} -> {losses[^1]}");
    }

    [Fact]
    public async Task A_spec_whose_shapes_do_not_fit_is_refused_naming_the_layer_and_shape()
    {
        var response = await _client.Http.PostAsJsonAsync("/api/jobs", DigitsCnn(Layer("conv2d", ("outChannels", 4), ("kernel", 9))));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("[1, 8, 8]", Assert.Single(problem.Errors["network.layers[0].kernel"]));

        var padding = DigitsCnn(Layer("conv2d", ("outChannels", 4), ("kernel", 3), ("padding", "wide")));
        var bad = await _client.Http.PostAsJsonAsync("/api/jobs", padding);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("network.layers[0].padding", (await bad.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    [Fact]
    public async Task Fashion_mnist_is_refused_with_the_install_command_until_it_is_installed()
    {
        var request = DigitsCnn(Layer("flatten"), Layer("dense", ("units", 10)));
        request["dataset"]!["name"] = "fashionMnist";
        request["training"]!["epochs"] = 1;
        var response = await _client.Http.PostAsJsonAsync("/api/jobs", request);
        if (File.Exists(Path.Combine(Domain.Datasets.BuiltinDatasets.FashionMnistDirectory, "t10k-labels-idx1-ubyte.gz")))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode); // installed on this machine: it trains
            return;
        }
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("apt-get install dataset-fashion-mnist",
            Assert.Single((await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["dataset.name"]));
    }
}
