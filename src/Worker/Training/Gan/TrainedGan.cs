using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Gan;
using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Gan;

/// <summary>Generated samples, each as the data set's sample (a point: [x, y]).</summary>
public sealed record GeneratedSamples(IReadOnlyList<float[]> Samples, int Seed, IReadOnlyList<int>? Labels = null);

/// <summary>
/// A finished GAN's generator. Answers <c>{ "count": 100, "seed": 7 }</c> (both optional: 100 samples, seed 1) with that
/// many samples from noise drawn from the seed — the same seed gives the same samples. A conditional GAN also takes
/// <c>"label"</c>, the class to make (absent: every class in turn), and says each sample's. <c>"format": "png"</c> answers
/// an image GAN's samples as one picture, 8 to a row (a conditional GAN's: a column per class).
/// </summary>
public sealed class TrainedGan(nn.Module<Tensor, Tensor> generator, GanSpec spec) : ITrainedJob
{
    public const int MaxCount = 10_000;

    public sealed class Loader : ITrainedJobLoader
    {
        public ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights)
        {
            var gan = (GanSpec)spec;
            return new TrainedGan(TrainedNetwork.Load(gan.Generator, gan.GeneratorInput(), weights(ModelNames.Generator)), gan);
        }
    }

    public object Answer(JsonElement request)
    {
        if (spec.Conditional) PredictionInputException.OnlyMembers(request, "count", "seed", "format", "label");
        else PredictionInputException.OnlyMembers(request, "count", "seed", "format");
        bool picture = Format(request, spec.Dataset.SampleShape());
        int count = PredictionInputException.Count(request, "count", 1, MaxCount, absent: 100);
        int seed = PredictionInputException.Count(request, "seed", 0, int.MaxValue, absent: 1);
        int classes = spec.Dataset.ClassCount();
        int[]? labels = null;
        if (spec.Conditional)
        {
            int? label = request.TryGetProperty("label", out _) ? PredictionInputException.Count(request, "label", 0, classes - 1) : null;
            labels = Enumerable.Range(0, count).Select(i => label ?? i % classes).ToArray();
        }
        int[] shape = spec.Dataset.SampleShape();
        int size = shape.Aggregate(1, (a, b) => a * b);
        float[] values;
        using (var scope = NewDisposeScope())
        using (no_grad())
        using (var noise = new Generator((ulong)seed))
        {
            var z = new GanNoise(spec.Latent, noise, CPU).Draw(count);
            if (labels is not null) z = new GanLabels(classes, CPU).Beside(z, tensor(labels.Select(l => (long)l).ToArray()));
            values = generator.forward(z).data<float>().ToArray();
        }
        if (picture)
        {
            // Pixels as the data set scales them: 0–1 (unit) shown as black–white, other scalings by the samples' own range.
            bool unit = spec.Dataset is ImageDatasetSpec { Normalization: Normalization.Unit };
            float low = unit ? 0 : values.Min(), high = unit ? 1 : Math.Max(values.Max(), low + 1e-6f);
            return new PictureAnswer(SamplePictures.Grid(values, shape, spec.Conditional ? classes : 8, low, high, shape[1] <= 16 ? 4 : 2));
        }
        return new GeneratedSamples(Enumerable.Range(0, count).Select(i => values[(i * size)..((i + 1) * size)]).ToList(), seed, labels);
    }

    /// <summary>Whether the request asks for a picture (<c>"format": "png"</c>, images only) rather than arrays (<c>"json"</c>, the default).</summary>
    private static bool Format(JsonElement request, int[] shape)
    {
        if (!request.TryGetProperty("format", out var format)) return false;
        string? name = format.ValueKind == JsonValueKind.String ? format.GetString() : null;
        if (name is not ("png" or "json")) throw new PredictionInputException("format", "must be \"json\" (arrays, the default) or \"png\" (an image grid)");
        if (name == "png" && shape.Length != 3) throw new PredictionInputException("format", $"png draws images; this GAN makes {ShapeInference.Format(shape)} samples");
        return name == "png";
    }

    public void Dispose() => generator.Dispose();
}
