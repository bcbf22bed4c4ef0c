using Dojo.Domain.Kinds.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Gan;

/// <summary>The generator's noise: N(0, 1) or U(−1, 1), from a seeded generator (the job's in training; the request's seed when a finished job generates).</summary>
public sealed class GanNoise(LatentSpec latent, Generator generator, Device device)
{
    public Generator Generator => generator;

    public Tensor Draw(int count) => latent.Distribution == LatentDistribution.Uniform
        ? empty([count, latent.Size], device: device).uniform_(-1, 1, generator)
        : randn([count, latent.Size], device: device, generator: generator);
}

/// <summary>A conditional GAN's classes: drawn for fakes, cycled through for judging, and put one-hot beside noise and samples.</summary>
public sealed class GanLabels(int classes, Device device)
{
    public int Classes => classes;

    public Tensor Random(int count, Generator generator) => randint(classes, [count], dtype: ScalarType.Int64, device: device, generator: generator);

    public Tensor Cycle(int count) => tensor(Enumerable.Range(0, count).Select(i => (long)(i % classes)).ToArray(), device: device);

    /// <summary>
    /// The classes one-hot beside each sample (or noise): [n, features] → [n, features + classes]; [n, channels, h, w]
    /// → [n, channels + classes, h, w], a plane per class. Unconditional (no labels): the samples as they are.
    /// </summary>
    public static Tensor Beside(GanLabels? labels, Tensor samples, Tensor? of) => labels is null || of is null ? samples : labels.Beside(samples, of);

    public Tensor Beside(Tensor samples, Tensor of)
    {
        using var scope = NewDisposeScope();
        var hot = nn.functional.one_hot(of, classes).to_type(ScalarType.Float32);
        if (samples.dim() == 2) return cat([samples, hot], 1).MoveToOuterDisposeScope();
        long n = samples.shape[0], height = samples.shape[2], width = samples.shape[3];
        return cat([samples, hot.view(n, classes, 1, 1).expand(n, classes, height, width)], 1).MoveToOuterDisposeScope();
    }
}
