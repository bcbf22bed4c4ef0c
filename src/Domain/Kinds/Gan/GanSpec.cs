using System.Text.Json.Serialization;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Gan;

/// <summary>Where the generator's noise comes from: N(0, 1) or U(−1, 1), <see cref="Size"/> numbers per sample.</summary>
public enum LatentDistribution { Normal, Uniform }

public sealed record LatentSpec
{
    public int Size { get; init; } = 16;
    public LatentDistribution Distribution { get; init; } = LatentDistribution.Normal;
}

/// <summary>
/// The generator's loss: <c>nonSaturating</c> minimises −log D(G(z)) (strong gradients while D wins, the default);
/// <c>minimax</c> minimises log(1 − D(G(z))), the game as first written, whose gradient vanishes while D rejects the
/// fakes confidently — early in training, so it stalls.
/// </summary>
public enum GeneratorLoss { NonSaturating, Minimax }

/// <summary>
/// The loop: each real batch is one discriminator step, and after every <see cref="DiscriminatorSteps"/> of them the
/// generator takes one step on a fresh noise batch of the same size. Real points are labelled 1 − <see cref="LabelSmoothing"/>
/// for the discriminator (one-sided: fakes stay 0).
/// </summary>
public sealed record GanTraining : TrainingLoop
{
    public int DiscriminatorSteps { get; init; } = 1;
    public double LabelSmoothing { get; init; }
    public GeneratorLoss GeneratorLoss { get; init; } = GeneratorLoss.NonSaturating;

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        base.Validate(limits, errors, path);
        if (DiscriminatorSteps is < 1 or > 100) errors.Add($"{path}.discriminatorSteps", "must be between 1 and 100");
        if (LabelSmoothing is < 0 or >= 0.5 || !double.IsFinite(LabelSmoothing)) errors.Add($"{path}.labelSmoothing", "must be in [0, 0.5)");
    }
}

/// <summary>
/// A generative adversarial network: a <see cref="Generator"/> maps noise (<see cref="Latent"/>) to a sample shaped as
/// the data set's (2-D points, or images as their data set scales them: [0, 1] by default, so a sigmoid output), a <see cref="Discriminator"/> maps a sample to one logit (real vs generated; a final sigmoid, if
/// written, is folded into the loss). Each has its own optimizer (Adam with β1 = 0.5 by default, as DCGAN). Given as
/// <c>{ "kind": "gan", "dataset", "generator", "discriminator", "latent", "generatorOptimizer",
/// "discriminatorOptimizer", "training" }</c>; its networks are kept as <c>generator</c> and <c>discriminator</c>.
/// </summary>
public sealed record GanSpec : JobSpec
{
    public required DatasetSpec Dataset { get; init; }
    public required NetworkSpec Generator { get; init; }
    public required NetworkSpec Discriminator { get; init; }
    public LatentSpec Latent { get; init; } = new();

    /// <summary>
    /// A conditional GAN: the label (a point's mode or arm, an image's class) goes in one-hot beside the generator's
    /// noise and beside the discriminator's sample (as extra input channels for images), so the generator learns to
    /// make a sample of the class it is asked for.
    /// </summary>
    public bool Conditional { get; init; }

    /// <summary>
    /// Images: a finished supervised job whose classifier reads the generated images each epoch (trained on images of
    /// the same shape and scaling; for a conditional GAN, the same classes): how many classes the samples spread over
    /// (mode collapse shows as a few), and for a conditional GAN how often it reads the class that was asked for.
    /// </summary>
    public Guid? Judge { get; init; }
    public OptimizerSpec GeneratorOptimizer { get; init; } = DefaultOptimizer;
    public OptimizerSpec DiscriminatorOptimizer { get; init; } = DefaultOptimizer;
    public GanTraining Training { get; init; } = new() { BatchSize = new BatchSize(64), Epochs = 50 };

    private static OptimizerSpec DefaultOptimizer => new() { Kind = OptimizerKind.Adam, LearningRate = 0.0002, Beta1 = 0.5 };

    /// <summary>The data set when it is 2-D points (else images).</summary>
    [JsonIgnore]
    public PointsDatasetSpec? Points => Dataset as PointsDatasetSpec;

    /// <summary>The discriminator as trained: without a final sigmoid, which the loss applies.</summary>
    public NetworkSpec DiscriminatorLogits() =>
        Discriminator.Layers is [.., ActivationLayer { Function: ActivationFunction.Sigmoid }] ? Discriminator with { Layers = Discriminator.Layers.SkipLast(1).ToList() } : Discriminator;

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (Dataset.CheckFor(JobKinds.Gan, errors, "dataset")) Dataset.Validate(limits, errors, "dataset");
        if (Latent.Size is < 1 or > 4096) errors.Add("latent.size", "must be between 1 and 4096");
        GeneratorOptimizer.Validate(errors, "generatorOptimizer");
        DiscriminatorOptimizer.Validate(errors, "discriminatorOptimizer");
        Training.Validate(limits, errors, "training");
        foreach (var (network, path) in new[] { (Generator, "generator"), (Discriminator, "discriminator") })
            if (network.Transfer is not null) errors.Add($"{path}.transfer", "transfer learning is for supervised jobs");
        if (errors.Count > 0) return errors.ToDictionary();

        var sample = Dataset.SampleShape();
        if (Conditional && Dataset.ClassCount() < 2)
        {
            errors.Add("conditional", "needs labelled data (two classes or more) to condition on");
            return errors.ToDictionary();
        }
        if (NetworkChecks.Check(Generator, GeneratorInput(), limits, errors, "generator") is { } made && !made.SequenceEqual(sample))
            errors.Add(Last(Generator, "generator"),
                $"the generator makes {ShapeInference.Format(made)} from the noise; the data set's samples are {ShapeInference.Format(sample)}, so the discriminator could not tell them apart by shape alone");
        if (NetworkChecks.Check(Discriminator, DiscriminatorInput(), limits, errors, "discriminator") is { } judged && !judged.SequenceEqual([1]))
            errors.Add(Last(Discriminator, "discriminator"),
                $"the discriminator ends with {ShapeInference.Format(judged)} for a sample {ShapeInference.Format(DiscriminatorInput())}; it must give [1], one logit (real vs generated)");
        return errors.ToDictionary();
    }

    /// <summary>What the generator reads: the noise, and when conditional the label one-hot beside it.</summary>
    public int[] GeneratorInput() => [Latent.Size + (Conditional ? Dataset.ClassCount() : 0)];

    /// <summary>What the discriminator reads: a sample, and when conditional the label one-hot beside it (images: one plane per class).</summary>
    public int[] DiscriminatorInput()
    {
        var sample = Dataset.SampleShape();
        if (!Conditional) return sample;
        int classes = Dataset.ClassCount();
        return sample.Length == 3 ? [sample[0] + classes, sample[1], sample[2]] : [sample.Aggregate(1, (a, b) => a * b) + classes];
    }

    private static string Last(NetworkSpec network, string path) => network.Layers.Count == 0 ? $"{path}.layers" : $"{path}.layers[{network.Layers.Count - 1}]";

    /// <summary>
    /// Each epoch: every real sample through the discriminator, as many fakes made and judged for it, and a generator
    /// step per <see cref="GanTraining.DiscriminatorSteps"/> batches (each pass about three times its forward cost).
    /// </summary>
    public override JobCost Cost()
    {
        double generate = ShapeInference.ForwardFlops(Generator, GeneratorInput()), judge = ShapeInference.ForwardFlops(Discriminator, DiscriminatorInput());
        int samples = Dataset.SplitSizes().Train;
        double perEpoch = 3 * samples * (generate + 2 * judge) + 3 * samples / (double)Training.DiscriminatorSteps * (generate + judge);
        return new JobCost(Training.Epochs * (perEpoch + GanMetrics.JudgedSamples * (generate + judge)), "training.epochs",
            $"{JobCost.Format(generate)} per sample made, {JobCost.Format(judge)} per sample judged, {samples} real samples, {Training.Epochs} epochs");
    }

    public override Guid? TransfersFrom() => Judge;

    public override string TransfersFromField() => "judge";

    /// <summary>The judge reads what the generator makes: a classifier of images shaped and scaled as this GAN's data.</summary>
    public override IReadOnlyDictionary<string, string[]> CheckTransferSource(JobSpec source)
    {
        var errors = new ValidationErrors();
        if (source is not Supervised.SupervisedSpec classifier || classifier.Dataset is not ImageDatasetSpec judged || judged.ClassCount() < 2)
            errors.Add("judge", "must be a supervised job that classifies images");
        else if (Dataset is not ImageDatasetSpec images)
            errors.Add("judge", "judges images; this GAN makes points");
        else if (!judged.SampleShape().SequenceEqual(images.SampleShape()) || judged.Normalization != images.Normalization)
            errors.Add("judge", $"classifies {ShapeInference.Format(judged.SampleShape())} images scaled '{SpecJson.Name(judged.Normalization)}'; " +
                $"this GAN makes {ShapeInference.Format(images.SampleShape())} scaled '{SpecJson.Name(images.Normalization)}'");
        else if (Conditional && judged.ClassCount() != images.ClassCount())
            errors.Add("judge", $"tells {judged.ClassCount()} classes apart; this conditional GAN makes {images.ClassCount()}");
        return errors.ToDictionary();
    }

    public override DatasetSpec TrainsOn() => Dataset;

    public override JobSpec WithDataset(DatasetSpec dataset) => this with { Dataset = dataset };
}

/// <summary>What a GAN job records each epoch.</summary>
public static class GanMetrics
{
    /// <summary>The discriminator's loss (real and fake halves summed), and the generator's, as each minimises it.</summary>
    public const string DLoss = "d_loss", GLoss = "g_loss";
    /// <summary>Mean D(x) on real samples and D(G(z)) on generated ones (probabilities), over the epoch's discriminator steps.</summary>
    public const string DReal = "d_real", DFake = "d_fake";
    /// <summary>2-D targets: the energy distance between generated points (fixed noise) and fresh real ones; 0 is a perfect match.</summary>
    public const string EnergyDistance = "energy_distance";
    /// <summary>The energy distance of the generator as initialised: the figure training must fall well below.</summary>
    public const string InitialEnergyDistance = "initial_energy_distance";
    /// <summary>Ring and grid: how many modes get a fair share of generated points (the text lists which), and the share near any mode.</summary>
    public const string ModesCovered = "modes_covered", NearModes = "near_modes";

    /// <summary>
    /// With a judge: how many classes get at least a quarter of an even share of the judged samples (the text: the count
    /// the judge gives each class, in class order), and for a conditional GAN the share read as the class asked for.
    /// </summary>
    public const string JudgedClasses = "judged_classes", JudgeAgreement = "judge_agreement";

    /// <summary>How many points are generated (from fixed noise) and drawn afresh to judge a generator each epoch.</summary>
    public const int JudgedSamples = 1000;
}
