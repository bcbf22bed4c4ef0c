using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Gan;
using Dojo.Storage;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Gan;

/// <summary>
/// A generator and a discriminator trained against each other on 2-D points or images. Each real batch is a discriminator step
/// (real points towards 1 − smoothing, the generator's fakes towards 0); after every k of them the generator takes a
/// step on fresh noise (non-saturating or minimax loss). Order, noise and dropout masks come from (seed, epoch), so a
/// resumed job ends as an uninterrupted one. Each epoch the generator is judged on fixed noise against fresh real
/// points: energy distance, and for the ring and the grid the modes it covers. Kept as <c>generator</c> and
/// <c>discriminator</c>, each with its own optimizer.
/// </summary>
public sealed class GanTrainer(DeviceResolver devices, IOptions<DojoOptions>? storage = null) : ITrainer
{
    private const int DropoutStream = 1, ShuffleStream = 2, NoiseStream = 3, JudgeStream = 4;

    private readonly DatasetFolders _folders = DatasetFolders.From(storage);

    /// <summary>What the GAN learns from, and the real samples its generator is judged against (points: fresh draws; images: held-out ones).</summary>
    private sealed record RealSamples(float[] Train, long[] Labels, int Count, int[] Shape, float[] Judge, PointsDatasetSpec? Points)
    {
        /// <summary>The range of the real values (what a picture maps to black and white).</summary>
        public float Low { get; } = Train.Length == 0 ? 0 : Train.Min();
        public float High { get; } = Train.Length == 0 ? 1 : Math.Max(Train.Max(), Train.Min() + 1e-6f);
    }

    private RealSamples Load(GanSpec spec)
    {
        if (spec.Points is { } points)
        {
            var (train, labels) = PointsData.Draw(points, points.Samples, points.Seed);
            var (judge, _) = PointsData.Draw(points, GanMetrics.JudgedSamples, unchecked(points.Seed * 7919 + 17) & int.MaxValue);
            return new(train, labels.Select(l => (long)l).ToArray(), points.Samples, [2], judge, points);
        }
        var images = TrainingData.Load(spec.Dataset, _folders.Builtin, _folders.Uploads);
        var held = images.Validation.Count > 0 ? images.Validation : images.Test;
        int size = images.Train.FeatureCount, judged = Math.Min(GanMetrics.JudgedSamples, held.Count);
        return new(images.Train.Features, images.Train.Labels.Select(l => (long)l).ToArray(), images.Train.Count, images.SampleShape, held.Features[..(judged * size)], null);
    }

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (GanSpec)session.Spec;
        var data = Load(spec);
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var dropout = run.Generator();
        var init = new NetworkInit(run.Generator(), dropout);
        using var generator = ModelBuilder.Build(spec.Generator, spec.GeneratorInput(), init).Net;
        using var discriminator = ModelBuilder.Build(spec.DiscriminatorLogits(), spec.DiscriminatorInput(), init).Net;
        var labels = spec.Conditional ? new GanLabels(spec.Dataset.ClassCount(), run.Device) : null;
        using var judge = GanJudge.From(spec, session.Transfer, run.Device);
        generator.to(run.Device);
        discriminator.to(run.Device);
        using var generatorOptimizer = TrainingOptimizer.Create(spec.GeneratorOptimizer, generator.parameters());
        using var discriminatorOptimizer = TrainingOptimizer.Create(spec.DiscriminatorOptimizer, discriminator.parameters());
        run.Track(ModelNames.Generator, generator, generatorOptimizer, new NetworkDescription(spec.Generator, spec.GeneratorInput()));
        run.Track(ModelNames.Discriminator, discriminator, discriminatorOptimizer, new NetworkDescription(spec.DiscriminatorLogits(), spec.DiscriminatorInput()));

        var noise = new GanNoise(spec.Latent, run.Generator(), run.Device);
        var judgeNoise = new GanNoise(spec.Latent, run.Generator(), run.Device);
        Judgement Judge()
        {
            run.Reseed(judgeNoise.Generator, 0, JudgeStream); // the same noise every epoch: the points move only as the generator learns
            int count = data.Judge.Length / data.Shape.Aggregate(1, (a, b) => a * b);
            using var cycle = labels?.Cycle(count); // a conditional generator is asked for every class in turn
            return Judgement.Of(data, Generate(generator, judgeNoise, count, labels, cycle), judge, cycle);
        }
        double initialDistance = Judge().EnergyDistance; // before resuming: the generator as initialised, the same in every attempt
        run.Resume();

        using var real = tensor(data.Train, [data.Count, .. data.Shape.Select(d => (long)d)], device: run.Device);
        using var realClasses = tensor(data.Labels, device: run.Device);
        using Scalar realLabel = 1 - spec.Training.LabelSmoothing, fakeLabel = 0.0, one = 1.0;
        int samples = data.Count, batchSize = spec.Training.BatchSize.Resolve(samples), k = spec.Training.DiscriminatorSteps;
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
                    var fakeClasses = labels?.Random(size, noise.Generator);
                    var fake = Generate(generator, noise, size, labels, fakeClasses, training: true).detach();
                    discriminatorOptimizer.ZeroGrad();
                    var realLogits = discriminator.forward(GanLabels.Beside(labels, real.index_select(0, index), realClasses.index_select(0, index)));
                    var fakeLogits = discriminator.forward(GanLabels.Beside(labels, fake, fakeClasses));
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
                    var fakeClasses = labels?.Random(batchSize, noise.Generator);
                    var judged = discriminator.forward(GanLabels.Beside(labels, Generate(generator, noise, batchSize, labels, fakeClasses, training: true), fakeClasses));
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
            run.Keep($"samples-epoch-{epoch:D4}.png", Picture(judgement.Made, data, labels));
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

    /// <summary>
    /// <paramref name="count"/> samples from the generator, of the given classes when conditional (evaluation mode, no
    /// gradients, unless <paramref name="training"/>).
    /// </summary>
    private static Tensor Generate(nn.Module<Tensor, Tensor> generator, GanNoise noise, int count, GanLabels? labels, Tensor? classes, bool training = false)
    {
        if (training) return generator.forward(GanLabels.Beside(labels, noise.Draw(count), classes));
        generator.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return generator.forward(GanLabels.Beside(labels, noise.Draw(count), classes)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The epoch's picture, from the judged samples (the same noise every epoch): points over the real ones; or the first
    /// 64 images 8 to a row — a conditional GAN's first 100, a row per try and a column per class.
    /// </summary>
    private static byte[] Picture(float[] made, RealSamples data, GanLabels? labels)
    {
        if (data.Points is not null)
        {
            float extent = data.Judge.Select(MathF.Abs).DefaultIfEmpty(1).Max() * 1.25f;
            return SamplePictures.Points(data.Judge, made, extent);
        }
        int size = data.Shape.Aggregate(1, (a, b) => a * b), columns = labels?.Classes ?? 8;
        int shown = Math.Min(made.Length / size, columns * (labels is null ? 8 : 10));
        return SamplePictures.Grid(made[..(shown * size)], data.Shape, columns, data.Low, data.High, data.Shape[1] <= 16 ? 4 : 2);
    }

    /// <summary>How near generated samples come to the data: energy distance to the real samples, and for points with modes the modes covered.</summary>
    private sealed record Judgement(double EnergyDistance, IReadOnlyList<int>? Covered, double NearShare, float[] Made)
    {
        /// <summary>The judge's figures, when the spec names one.</summary>
        public IReadOnlyList<Metric> Verdict { get; private init; } = [];

        public static Judgement Of(RealSamples data, Tensor generated, GanJudge? judge, Tensor? asked)
        {
            float[] made;
            IReadOnlyList<Metric> verdict = [];
            using (generated)
            {
                made = generated.cpu().data<float>().ToArray();
                if (judge is not null) verdict = judge.Metrics(judge.Read(generated), asked?.cpu().data<long>().ToArray()).ToList();
            }
            double distance = PointsData.EnergyDistance(made, data.Judge, data.Shape.Aggregate(1, (a, b) => a * b));
            if (data.Points is not { } points || points.Modes().Count == 0) return new(distance, null, 0, made) { Verdict = verdict };
            var (covered, near) = PointsData.Coverage(points, made);
            return new(distance, covered, near, made) { Verdict = verdict };
        }

        public IEnumerable<Metric> Metrics()
        {
            foreach (var metric in Verdict) yield return metric;
            yield return new(GanMetrics.EnergyDistance, EnergyDistance);
            if (Covered is null) yield break;
            yield return new(GanMetrics.ModesCovered, Covered.Count, string.Join(",", Covered));
            yield return new(GanMetrics.NearModes, NearShare);
        }
    }
}
