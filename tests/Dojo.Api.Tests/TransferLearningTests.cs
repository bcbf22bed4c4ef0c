using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Jobs;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Mvc;
using TorchSharp;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>Transfer learning through the real API: digits 0–4 teach the convolutions, 500 images of 5–9 train a new head.</summary>
public sealed class TransferLearningTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    /// <summary>Six convolutional layers (kept and frozen in the transfer job), then a head for <paramref name="classes"/> classes.</summary>
    private static JsonArray Layers(int classes) => JsonNode.Parse($$"""
        [
          { "type": "conv2d", "name": "c1", "outChannels": 8, "kernel": 5 }, { "type": "activation", "function": "relu" },
          { "type": "maxPool2d", "kernel": 2 },
          { "type": "conv2d", "name": "c2", "outChannels": 16, "kernel": 5 }, { "type": "activation", "function": "relu" },
          { "type": "maxPool2d", "kernel": 2 },
          { "type": "flatten" }, { "type": "dense", "units": {{classes}} }, { "type": "activation", "function": "softmax" }
        ]
        """)!.AsArray();

    private static JsonObject Job(string name, int[] classes, int? trainCount, int epochs, JsonObject? transfer = null)
    {
        var network = new JsonObject { ["init"] = new JsonObject { ["kind"] = "he", ["distribution"] = "uniform" }, ["layers"] = Layers(classes.Length) };
        if (transfer is not null) network["transfer"] = transfer;
        return new JsonObject
        {
            ["name"] = name,
            ["dataset"] = new JsonObject
            {
                ["kind"] = "builtin", ["name"] = "mnistSubset", ["classes"] = new JsonArray(classes.Select(c => (JsonNode)c).ToArray()),
                ["testCount"] = 1000, ["trainCount"] = trainCount, ["validationPercent"] = trainCount is null ? 10 : 0, ["seed"] = 7,
            },
            ["network"] = network,
            ["optimizer"] = new JsonObject { ["kind"] = "adam", ["learningRate"] = 0.002 },
            ["training"] = new JsonObject { ["loss"] = "crossEntropy", ["batchSize"] = 10, ["epochs"] = epochs, ["seed"] = 7 },
        };
    }

    [Fact]
    public async Task Frozen_convolutions_from_digits_0_to_4_beat_training_from_scratch_on_500_images_of_5_to_9()
    {
        // The two samples, as a student would run them; the second without its transfer part is the baseline.
        var pretrained = await _client.WaitFinishedAsync((await _client.SubmitAsync(DojoClient.Sample("transfer-pretrain-0to4"))).Id);
        Assert.True(pretrained.State == JobState.Succeeded, pretrained.Reason);
        var sample = DojoClient.Sample("transfer-5to9");
        var transferRequest = DojoClient.With(sample, ("network.transfer.fromJob", pretrained.Id.ToString()));
        var scratchRequest = sample.DeepClone().AsObject();
        scratchRequest["network"]!.AsObject().Remove("transfer");
        var transferred = _client.SubmitAsync(transferRequest);
        var scratch = _client.SubmitAsync(scratchRequest);
        var withTransfer = await _client.WaitFinishedAsync((await transferred).Id);
        var fromScratch = await _client.WaitFinishedAsync((await scratch).Id);

        double transferAccuracy = withTransfer.Result![MetricNames.TestAccuracy], scratchAccuracy = fromScratch.Result![MetricNames.TestAccuracy];
        output.WriteLine($"5-9 after one epoch on 500 images: transfer {transferAccuracy:F3}, scratch {scratchAccuracy:F3}");
        Assert.True(transferAccuracy > scratchAccuracy, $"transfer {transferAccuracy} vs scratch {scratchAccuracy}");

        // The frozen layers' weights are bit-identical to the pretrained job's; the new head is not the old one.
        var before = await WeightsAsync(pretrained);
        var after = await WeightsAsync(withTransfer);
        foreach (var key in new[] { "conv0.weight", "conv0.bias", "conv3.weight", "conv3.bias" })
            Assert.Equal(before[key], after[key]);
        Assert.NotEqual(before["dense7.weight"], after["dense7.weight"]);

        // Fine-tuning instead of freezing: the kept layers move, slower at a lower rate.
        var fineTuned = DojoClient.With(transferRequest, ("network.transfer.freezeFirst", 0), ("network.transfer.fineTuneLearningRate", 0.0002));
        var unfrozen = DojoClient.With(transferRequest, ("network.transfer.freezeFirst", 0));
        double slow = Distance(before, await WeightsAsync(await _client.WaitFinishedAsync((await _client.SubmitAsync(fineTuned)).Id)), "conv0.weight");
        double fast = Distance(before, await WeightsAsync(await _client.WaitFinishedAsync((await _client.SubmitAsync(unfrozen)).Id)), "conv0.weight");
        output.WriteLine($"conv0 moved {slow:G3} at the fine-tuning rate, {fast:G3} at the full rate");
        Assert.True(slow > 0 && slow < fast / 3, $"fine-tuned {slow} vs full rate {fast}");
    }

    private static double Distance(Dictionary<string, byte[]> a, Dictionary<string, byte[]> b, string key)
    {
        var x = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(a[key]);
        var y = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(b[key]);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (x[i] - y[i]) * (double)(x[i] - y[i]);
        return Math.Sqrt(sum);
    }

    [Fact]
    public async Task A_transfer_whose_layers_or_inputs_do_not_fit_is_refused_at_submit()
    {
        var pretrained = await _client.WaitFinishedAsync((await _client.SubmitAsync(Job("small", [0, 1], 200, 1))).Id);
        var changed = Job("changed", [2, 3], 200, 1, new JsonObject { ["fromJob"] = pretrained.Id.ToString(), ["keep"] = 6, ["freeze"] = new JsonArray("c1") });
        changed["network"]!["layers"]![3]!["outChannels"] = 12;
        Assert.Contains("must be its layer 3", Assert.Single((await RefusedAsync(changed)).Errors["network.layers[3]"]));

        var misnamed = Job("misnamed", [2, 3], 200, 1, new JsonObject { ["fromJob"] = pretrained.Id.ToString(), ["keep"] = 6, ["freeze"] = new JsonArray("c1", "c9") });
        Assert.Contains("no layer is named 'c9'", Assert.Single((await RefusedAsync(misnamed)).Errors["network.transfer.freeze"]));

        var digits = Job("other size", [2, 3], 200, 1, new JsonObject { ["fromJob"] = pretrained.Id.ToString(), ["keep"] = 1 });
        digits["dataset"]!["name"] = "digits";
        digits["dataset"]!["testCount"] = 100;
        digits["network"]!["layers"] = JsonNode.Parse("""[{ "type": "conv2d", "outChannels": 8, "kernel": 5 }, { "type": "flatten" }, { "type": "dense", "units": 2 }]""");
        var otherSize = await RefusedAsync(digits);
        Assert.True(otherSize.Errors.ContainsKey("network.transfer.fromJob"), string.Join("; ", otherSize.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")));
        Assert.Contains("[1, 28, 28]", Assert.Single(otherSize.Errors["network.transfer.fromJob"]));
    }

    private async Task<ValidationProblemDetails> RefusedAsync(JsonObject request)
    {
        var response = await _client.Http.PostAsJsonAsync("/api/jobs", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
    }

    /// <summary>The job's downloaded weights, loaded into its own network: each tensor's raw bytes by name.</summary>
    private async Task<Dictionary<string, byte[]>> WeightsAsync(JobDto job)
    {
        byte[] file = await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model");
        using var net = job.NetworkForLoading();
        net.load(new MemoryStream(file));
        return net.state_dict().ToDictionary(e => e.Key, e => e.Value.bytes.ToArray());
    }
}
