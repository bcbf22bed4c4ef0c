using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Gan;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Gan;

/// <summary>
/// A generator and a discriminator trained against each other on 2-D points. Each real batch is a discriminator step
/// (real points towards 1 − smoothing, the generator's fakes towards 0); after every k of them the generator takes a
/// step on fresh noise (non-saturating or minimax loss). Order, noise and dropout masks come from (seed, epoch), so a
/// resumed job ends as an uninterrupted one. Each epoch the generator is judged on fixed noise against fresh real
/// points: energy distance, and for the ring and the grid the modes it covers. Kept as <c>generator</c> and
/// <c>discriminator</c>, each with its own optimizer.
/// </summary>
public sealed class GanTrainer(DeviceResolver devices) : ITrainer
{
    private const int DropoutStream = 1, ShuffleStream = 2, NoiseStream = 3, JudgeStream = 4;

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (GanSpec)session.Spec;
        var points = spec.Points;
        var (realPoints, _) = PointsData.Draw(points, points.Samples, points.Seed);
        var (judgePoints, _) = PointsData.Draw(points, GanMetrics.JudgedSamples, unchecked(points.Seed * 7919 + 17) & int.MaxValue);
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var dropout = run.Generator();
        var init = new NetworkInit(run.Generator(), dropout);
        using var generator = ModelBuilder.Build(spec.Generator, [spec.Latent.Size], init).Net;
        using var discriminator = ModelBuilder.Build(spec.DiscriminatorLogits(), points.SampleShape(), init).Net;
        generator.to(run.Device);
        discriminator.to(run.Device);
        using var generatorOptimizer = TrainingOptimizer.Create(spec.GeneratorOptimizer, generator.parameters());
        using var discriminatorOptimizer = TrainingOptimizer.Create(spec.DiscriminatorOptimizer, discriminator.parameters());
        run.Track(ModelNames.Generator, generator, generatorOptimizer);
        run.Track(ModelNames.Discriminator, discriminator, discriminatorOptimizer);

        var noise = new Noise(spec.Latent, run.Generator(), run.Device);
        var judgeNoise = new Noise(spec.Latent, run.Generator(), run.Device);
        Judgement Judge()
        {
            run.Reseed(judgeNoise.Generator, 0, JudgeStream); // the same noise every epoch: the points move only as the generator learns
            return Judgement.Of(points, judgePoints, Generate(generator, judgeNoise, GanMetrics.JudgedSamples));
        }
        double initialDistance = Judge().EnergyDistance; // before resuming: the generator as initialised, the same in every attempt
        run.Resume();

        using var real = tensor(realPoints, [points.Samples, 2], device: run.Device);
        using Scalar realLabel = 1 - spec.Training.LabelSmoothing, fakeLabel = 0.0, one = 1.0;
        int samples = points.Samples, batchSize = spec.Training.BatchSize.Resolve(samples), k = spec.Training.DiscriminatorSteps;
        bool minimax = spec.Training.GeneratorLoss == GeneratorLoss.Minimax;

        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            run.Reseed(dropout, epoch, DropoutStream);
            run.Reseed(noise.Generator, epoch, NoiseStream);
            var order = run.Order(samples, epoch, spec.Training.Shuffle, ShuffleStream);
            var clock = Stopwatch.StartNew();
            double dLossSum = 0, gLossSum = 0, dRealSum = 0, dFakeSum = 0;
            int dSteps = 0, gSteps = 0;
            generator.train();
            discriminator.train();
            for (int start = 0; start < samples; start += batchSize)
            {
                run.ThrowIfStopping();
                using (var scope = NewDisposeScope())
                {
                    int size = Math.Min(batchSize, samples - start);
                    using var index = tensor(order.AsSpan(start, size).ToArray(), device: run.Device);
                    var fake = Generate(generator, noise, size, training: true).detach();
                    discriminatorOptimizer.ZeroGrad();
                    var realLogits = discriminator.forward(real.index_select(0, index));
                    var fakeLogits = discriminator.forward(fake);
                    var dLoss = nn.functional.binary_cross_entropy_with_logits(realLogits, full_like(realLogits, realLabel))
                        .add(nn.functional.binary_cross_entropy_with_logits(fakeLogits, full_like(fakeLogits, fakeLabel)), Held.One);
                    double value = dLoss.item<float>();
                    if (run.Stepped(value, epoch) is { } diverged) return diverged;
                    dLoss.backward();
                    discriminatorOptimizer.Step();
                    dLossSum += value;
                    dRealSum += realLogits.detach().sigmoid().mean().item<float>();
                    dFakeSum += fakeLogits.detach().sigmoid().mean().item<float>();
                    dSteps++;
                }
                if (dSteps % k != 0) continue;

                using (var scope = NewDisposeScope())
                {
                    generatorOptimizer.ZeroGrad();
                    var judged = discriminator.forward(Generate(generator, noise, batchSize, training: true));
                    // Non-saturating: −log D(G(z)), i.e. the fakes labelled real. Minimax: log(1 − D(G(z))), i.e. minus D's own loss on them.
                    var gLoss = minimax
                        ? nn.functional.binary_cross_entropy_with_logits(judged, full_like(judged, fakeLabel)).neg()
                        : nn.functional.binary_cross_entropy_with_logits(judged, full_like(judged, one));
                    double value = gLoss.item<float>();
                    if (run.Stepped(value, epoch) is { } diverged) return diverged;
                    gLoss.backward();
                    generatorOptimizer.Step();
                    gLossSum += value;
                    gSteps++;
                }
            }
            double seconds = clock.Elapsed.TotalSeconds;

            var judgement = Judge();
            if (run.Checked("energy distance", judgement.EnergyDistance, epoch) is { } heldDiverged) return heldDiverged;
            run.EpochCompleted(epoch,
            [
                new(GanMetrics.DLoss, dLossSum / dSteps), new(GanMetrics.GLoss, gSteps > 0 ? gLossSum / gSteps : double.NaN),
                new(GanMetrics.DReal, dRealSum / dSteps), new(GanMetrics.DFake, dFakeSum / dSteps),
                .. judgement.Metrics(),
                new(MetricNames.SamplesPerSec, seconds > 0 ? samples / seconds : 0),
            ]);
        }

        return run.Complete([new(GanMetrics.InitialEnergyDistance, initialDistance)]); // the last epoch's judgement stands as the final one
    }

    /// <summary><paramref name="count"/> samples from the generator (evaluation mode, no gradients, unless <paramref name="training"/>).</summary>
    private static Tensor Generate(nn.Module<Tensor, Tensor> generator, Noise noise, int count, bool training = false)
    {
        if (training) return generator.forward(noise.Draw(count));
        generator.eval();
        using var _ = no_grad();
        using var z = noise.Draw(count);
        return generator.forward(z);
    }

    /// <summary>The generator's noise: N(0, 1) or U(−1, 1), from a generator of the job's seed.</summary>
    private sealed class Noise(LatentSpec latent, Generator generator, Device device)
    {
        public Generator Generator => generator;

        public Tensor Draw(int count) => latent.Distribution == LatentDistribution.Uniform
            ? empty([count, latent.Size], device: device).uniform_(-1, 1, generator)
            : randn([count, latent.Size], device: device, generator: generator);
    }

    /// <summary>How near generated points come to the data: energy distance to fresh real points, and the modes covered.</summary>
    private sealed record Judgement(double EnergyDistance, IReadOnlyList<int>? Covered, double NearShare)
    {
        public static Judgement Of(PointsDatasetSpec spec, float[] real, Tensor generated)
        {
            float[] made;
            using (generated) made = generated.cpu().data<float>().ToArray();
            double distance = PointsData.EnergyDistance(made, real);
            if (spec.Modes().Count == 0) return new(distance, null, 0);
            var (covered, near) = PointsData.Coverage(spec, made);
            return new(distance, covered, near);
        }

        public IEnumerable<Metric> Metrics()
        {
            yield return new(GanMetrics.EnergyDistance, EnergyDistance);
            if (Covered is null) yield break;
            yield return new(GanMetrics.ModesCovered, Covered.Count, string.Join(",", Covered));
            yield return new(GanMetrics.NearModes, NearShare);
        }
    }
}
