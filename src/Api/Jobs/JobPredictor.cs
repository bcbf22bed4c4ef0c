using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Worker.Training.Supervised;
using Microsoft.Extensions.Options;
using SkiaSharp;
using static TorchSharp.torch;

namespace Dojo.Api.Jobs;

/// <summary>One input's answer: the predicted class and every class's probability (classification), or the value (regression).</summary>
public sealed record Prediction(string? Class, int? Index, IReadOnlyList<double>? Probabilities, double? Value);

public sealed record PredictResponse(IReadOnlyList<string> Classes, IReadOnlyList<Prediction> Predictions);

/// <summary>An input that cannot be predicted, keyed by the field to name in the 400.</summary>
public sealed class PredictionInputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Runs a finished job's network on new inputs: raw values as the data set has them (pixels 0…max for images,
/// feature values for playground data), or images (PNG, JPEG) that are turned grey, resized to the data set's
/// size and scaled like the training pixels. The network comes from <see cref="ModelCache"/>, loaded once per job;
/// its outputs are read by the same <see cref="OutputHead"/> that trained it.
/// </summary>
public sealed class JobPredictor(ModelCache models, IOptions<PredictionOptions> options)
{
    public const int MaxInputs = 1000;

    /// <summary>Inputs given as numbers: each a flat array of the sample's size, or nested to its shape.</summary>
    public PredictResponse PredictValues(Job job, JsonElement inputs)
    {
        if (inputs.ValueKind != JsonValueKind.Array) throw new PredictionInputException("inputs", "must be an array of inputs");
        using var lease = models.Acquire(job);
        var model = lease.Model;
        var shape = model.InputShape;
        int size = shape.Aggregate(1, (a, b) => a * b);
        if (inputs.GetArrayLength() is 0 or > MaxInputs) throw new PredictionInputException("inputs", $"must hold 1 to {MaxInputs} inputs");
        var values = new float[inputs.GetArrayLength() * size];
        int n = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var flat = new List<float>(size);
            Flatten(input, flat, $"inputs[{n}]");
            if (flat.Count != size)
                throw new PredictionInputException($"inputs[{n}]", $"has {flat.Count} values; the job's input is {ShapeInference.Format(shape)} ({size} values)");
            var scaling = model.Evaluation?.Input;
            for (int i = 0; i < size; i++) values[n * size + i] = scaling is null ? flat[i] : (flat[i] - scaling.Offset) * scaling.Scale;
            n++;
        }
        return Run(model, values, n);
    }

    /// <summary>Images, decoded, made grey (luminance), resized to the data set's height and width, scaled as in training.</summary>
    public PredictResponse PredictImages(Job job, IReadOnlyList<byte[]> images, bool invert)
    {
        using var lease = models.Acquire(job);
        var model = lease.Model;
        // An image [1, height, width], or one read row by row [height, width] (a recurrent network's).
        if (model.Evaluation?.Input is not { } scaling || scaling.SampleShape.Length != 3)
            throw new PredictionInputException("image", "this job was not trained on images; send numbers as { \"inputs\": [...] }");
        if (images.Count is 0 or > MaxInputs) throw new PredictionInputException("image", $"send 1 to {MaxInputs} images");
        int height = scaling.SampleShape[1], width = scaling.SampleShape[2], size = height * width;
        var values = new float[images.Count * size];
        for (int n = 0; n < images.Count; n++)
        {
            string field = images.Count == 1 ? "image" : $"image[{n}]";
            using var data = SKData.CreateCopy(images[n]);
            using var codec = (images[n].Length == 0 ? null : SKCodec.Create(data)) // null: not an image Skia can read
                ?? throw new PredictionInputException(field, "is not a PNG, JPEG, GIF, BMP or WebP image");
            // The header's size, before a byte is decoded: a small file can declare a huge image.
            if ((long)codec.Info.Width * codec.Info.Height > options.Value.MaxImagePixels)
                throw new PredictionInputException(field, $"is {codec.Info.Width}×{codec.Info.Height} pixels; the limit is {options.Value.MaxImagePixels:N0} (Dojo:Predictions:MaxImagePixels)");
            using var decoded = SKBitmap.Decode(codec) ?? throw new PredictionInputException(field, "could not be decoded");
            using var resized = decoded.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                ?? throw new PredictionInputException(field, "could not be resized");
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    var pixel = resized.GetPixel(x, y);
                    double grey = (0.299 * pixel.Red + 0.587 * pixel.Green + 0.114 * pixel.Blue) * pixel.Alpha / 255.0;
                    if (invert) grey = 255 - grey;
                    double raw = grey * scaling.PixelMax / 255.0;
                    values[n * size + y * width + x] = (float)((raw - scaling.Offset) * scaling.Scale);
                }
        }
        return Run(model, values, images.Count);
    }

    private static PredictResponse Run(LoadedModel model, float[] values, int count)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = model.Net.forward(tensor(values, [count, .. model.InputShape.Select(d => (long)d)]));
        int classes = model.Spec.Dataset.ClassCount();
        var names = model.Evaluation?.Classes ?? (classes == 2 ? ["-1", "+1"] : Enumerable.Range(0, classes).Select(c => c.ToString()).ToList());
        if (classes == 0)
            return new PredictResponse([], output.squeeze(1).data<float>().ToArray().Select(v => new Prediction(null, null, null, v)).ToList());

        var probabilities = model.Head.Probabilities(output).cpu().data<float>().ToArray();
        int k = probabilities.Length / count;
        var predictions = new List<Prediction>(count);
        for (int n = 0; n < count; n++)
        {
            var row = probabilities.AsSpan(n * k, k).ToArray().Select(p => (double)p).ToList();
            int best = row.IndexOf(row.Max());
            predictions.Add(new Prediction(names[best], best, row, null));
        }
        return new PredictResponse(names, predictions);
    }

    private static void Flatten(JsonElement element, List<float> into, string field)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                into.Add(element.GetSingle());
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Flatten(item, into, field);
                break;
            default:
                throw new PredictionInputException(field, $"holds {element.ValueKind.ToString().ToLowerInvariant()}; only numbers (or arrays of them)");
        }
    }
}
