using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Worker.Training.Supervised;
using Dojo.Api.Jobs;
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

        // The evaluation: a confusion matrix over the 360 test images that agrees with the test accuracy.
        var evaluation = job.Evaluation!;
        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString()), evaluation.Classes);
        Assert.Equal(360, evaluation.Confusion.Sum(row => row.Sum()));
        long right = Enumerable.Range(0, 10).Sum(c => evaluation.Confusion[c][c]);
        Assert.Equal(job.Result[MetricNames.TestAccuracy], right / 360.0, 6);
        for (int c = 0; c < 10; c++)
        {
            long predicted = evaluation.Confusion.Sum(row => row[c]), actual = evaluation.Confusion[c].Sum();
            Assert.Equal((double)evaluation.Confusion[c][c] / predicted, evaluation.Precision[c]!.Value, 9);
            Assert.Equal((double)evaluation.Confusion[c][c] / actual, evaluation.Recall[c]!.Value, 9);
        }
        Assert.Equal((16, 0f), (evaluation.Input!.PixelMax, evaluation.Input.Offset));

        await PredictionsAgreeWithTheLabelsAsync(job.Id);
    }

    /// <summary>The job's network on the data set's own images, sent as numbers and as PNG images.</summary>
    private async Task PredictionsAgreeWithTheLabelsAsync(Guid jobId)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "datasets", "digits");
        var images = Domain.Datasets.IdxFile.Read(Path.Combine(folder, "images.idx.gz")).Data;
        var labels = Domain.Datasets.IdxFile.Read(Path.Combine(folder, "labels.idx.gz")).Data;
        var inputs = Enumerable.Range(0, 40).Select(n => images.AsSpan(n * 64, 64).ToArray().Select(b => (int)b).ToArray()).ToArray();

        var response = await _client.Http.PostAsJsonAsync($"/api/jobs/{jobId}/predict", new { inputs });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<PredictResponse>(SpecJson.Options))!;
        Assert.Equal(40, answer.Predictions.Count);
        Assert.All(answer.Predictions, p => Assert.Equal(1.0, p.Probabilities!.Sum(), 4));
        int right = answer.Predictions.Select((p, n) => p.Index == labels[n]).Count(ok => ok);
        Assert.True(right >= 34, $"{right} of 40 predicted right");

        // The same image as a PNG (grey 0–255) gets the same answer: it is scaled back to the digits' 0–16.
        using var bitmap = new SkiaSharp.SKBitmap(8, 8, SkiaSharp.SKColorType.Gray8, SkiaSharp.SKAlphaType.Opaque);
        for (int p = 0; p < 64; p++) bitmap.SetPixel(p % 8, p / 8, new SkiaSharp.SKColor((byte)(inputs[3][p] * 255 / 16), (byte)(inputs[3][p] * 255 / 16), (byte)(inputs[3][p] * 255 / 16)));
        using var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        var image = await _client.Http.PostAsync($"/api/jobs/{jobId}/predict", new ByteArrayContent(png.ToArray()) { Headers = { { "Content-Type", "image/png" } } });
        var fromPng = (await image.Content.ReadFromJsonAsync<PredictResponse>(SpecJson.Options))!;
        Assert.Equal(answer.Predictions[3].Index, Assert.Single(fromPng.Predictions).Index);

        var wrongSize = await _client.Http.PostAsJsonAsync($"/api/jobs/{jobId}/predict", new { inputs = new[] { new int[63] } });
        Assert.Contains("inputs[0]", (await wrongSize.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        var notImage = await _client.Http.PostAsync($"/api/jobs/{jobId}/predict", new ByteArrayContent("hello"u8.ToArray()) { Headers = { { "Content-Type", "image/png" } } });
        Assert.True(notImage.StatusCode == HttpStatusCode.BadRequest, await notImage.Content.ReadAsStringAsync());
        Assert.Contains("image", (await notImage.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);

        // A small file that says it is 30000 × 30000 is refused by its header, before anything is decoded.
        var huge = await _client.Http.PostAsync($"/api/jobs/{jobId}/predict", new ByteArrayContent(PngHeaderOnly(30_000, 30_000)) { Headers = { { "Content-Type", "image/png" } } });
        Assert.True(huge.StatusCode == HttpStatusCode.BadRequest, await huge.Content.ReadAsStringAsync());
        var message = Assert.Single((await huge.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["image"]);
        Assert.Contains("30000×30000", message);
    }

    /// <summary>A grey PNG that declares <paramref name="width"/> × <paramref name="height"/> and holds one row of data.</summary>
    private static byte[] PngHeaderOnly(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bits per sample; colour type 0 (grey), no interlace
        Chunk(png, "IHDR", header);
        using var row = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(row, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) zlib.Write(new byte[width + 1]);
        Chunk(png, "IDAT", row.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typed);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
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
        request["dataset"]!["trainCount"] = 1000;
        request["dataset"]!["testCount"] = 200;
        request["training"]!["epochs"] = 1;
        var response = await _client.Http.PostAsJsonAsync("/api/jobs", request);
        if (File.Exists(Path.Combine(Domain.Datasets.BuiltinDatasets.FashionMnistDirectory, "t10k-labels-idx1-ubyte.gz")))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode); // installed on this machine: it trains
            var job = await _client.WaitFinishedAsync((await response.Content.ReadFromJsonAsync<JobDto>(SpecJson.Options))!.Id);
            Assert.True(job.State == JobState.Succeeded, job.Reason);
            Assert.Equal("Ankle boot", job.Evaluation!.Classes[^1]);
            return;
        }
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("apt-get install dataset-fashion-mnist",
            Assert.Single((await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["dataset.name"]));
    }
}
