using System.Text.Json;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Training;
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
/// size and scaled like the training pixels. The weights are the job's stored TorchSharp file.
/// </summary>
public sealed class JobPredictor(JobFiles files)
{
    public const int MaxInputs = 1000;

    /// <summary>Inputs given as numbers: each a flat array of the sample's size, or nested to its shape.</summary>
    public PredictResponse PredictValues(Job job, JsonElement inputs)
    {
        if (inputs.ValueKind != JsonValueKind.Array) throw new PredictionInputException("inputs", "must be an array of inputs");
        var (spec, evaluation, shape) = Describe(job);
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
            var scaling = evaluation?.Input;
            for (int i = 0; i < size; i++) values[n * size + i] = scaling is null ? flat[i] : (flat[i] - scaling.Offset) * scaling.Scale;
            n++;
        }
        return Run(spec, job, evaluation, shape, values, n);
    }

    /// <summary>Images, decoded, made grey (luminance), resized to the data set's height and width, scaled as in training.</summary>
    public PredictResponse PredictImages(Job job, IReadOnlyList<byte[]> images, bool invert)
    {
        var (spec, evaluation, shape) = Describe(job);
        if (evaluation?.Input is not { } scaling || shape.Length != 3)
            throw new PredictionInputException("image", "this job was not trained on images; send numbers as { \"inputs\": [...] }");
        if (images.Count is 0 or > MaxInputs) throw new PredictionInputException("image", $"send 1 to {MaxInputs} images");
        int height = shape[1], width = shape[2], size = height * width;
        var values = new float[images.Count * size];
        for (int n = 0; n < images.Count; n++)
        {
            string field = images.Count == 1 ? "image" : $"image[{n}]";
            using var data = SKData.CreateCopy(images[n]);
            using var codec = images[n].Length == 0 ? null : SKCodec.Create(data); // null: not an image Skia can read
            using var decoded = (codec is null ? null : SKBitmap.Decode(codec)) ?? throw new PredictionInputException(field, "is not a PNG, JPEG, GIF, BMP or WebP image");
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
        return Run(spec, job, evaluation, shape, values, images.Count);
    }

    private (JobSpec Spec, Evaluation? Evaluation, int[] Shape) Describe(Job job)
    {
        var spec = SpecJson.Deserialize<JobSpec>(job.SpecJson);
        var evaluation = job.EvaluationJson is null ? null : SpecJson.Deserialize<Evaluation>(job.EvaluationJson);
        return (spec, evaluation, SpecValidator.InputShape(spec.Dataset));
    }

    private PredictResponse Run(JobSpec spec, Job job, Evaluation? evaluation, int[] shape, float[] values, int count)
    {
        using var scope = NewDisposeScope();
        using var g1 = new Generator(0);
        using var g2 = new Generator(0);
        var model = ModelBuilder.Build(spec, g1, g2, spec.Dataset.IsPlayground ? PlaygroundData.Generate(spec.Dataset).Stream : null);
        using var net = model.Net;
        net.load(files.Model(job.Id, ModelFormat.TorchSharp));
        net.eval();
        using var _ = no_grad();
        var output = net.forward(tensor(values, [count, .. shape.Select(d => (long)d)]));
        int classes = SpecValidator.ClassCount(spec.Dataset);
        var names = evaluation?.Classes ?? (classes == 2 ? ["-1", "+1"] : Enumerable.Range(0, classes).Select(c => c.ToString()).ToList());
        if (classes == 0)
            return new PredictResponse([], output.squeeze(1).data<float>().ToArray().Select(v => new Prediction(null, null, null, v)).ToList());

        var probabilities = Probabilities(output, model, spec).cpu().data<float>().ToArray();
        int k = (int)(probabilities.Length / count);
        var predictions = new List<Prediction>(count);
        for (int n = 0; n < count; n++)
        {
            var row = probabilities.AsSpan(n * k, k).ToArray().Select(p => (double)p).ToList();
            int best = row.IndexOf(row.Max());
            predictions.Add(new Prediction(names[best], best, row, null));
        }
        return new PredictResponse(names, predictions);
    }

    /// <summary>
    /// Class probabilities from the network's output: a softmax over several outputs (unless the network ends in
    /// one), and for one output P(+1): the sigmoid of a logit, a sigmoid's own output, or (tanh, ±1) (o + 1) / 2.
    /// </summary>
    private static Tensor Probabilities(Tensor output, BuiltModel model, JobSpec spec)
    {
        var layers = spec.Network.Layers;
        var last = layers.Count > 0 ? layers[^1] as ActivationLayer : null;
        if (model.OutputWidth > 1)
            return last?.Function == ActivationFunction.Softmax && model.OutputActivation is null ? output : output.softmax(1);
        using TorchSharp.Scalar zero = 0, one = 1, two = 2; // held: TorchSharp leaves implicit Scalars to the GC
        var p = model.OutputActivation == ActivationFunction.Sigmoid || (last is null && spec.Training.Loss == LossFunction.BinaryCrossEntropy) ? output.sigmoid()
            : last?.Function == ActivationFunction.Sigmoid ? output
            : output.add(one, one).div(two).clamp(zero, one);
        return cat([p.neg().add(one, one), p], 1);
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
