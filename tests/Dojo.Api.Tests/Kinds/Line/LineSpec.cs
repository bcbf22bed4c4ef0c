using Dojo.Domain.Specs;

namespace Dojo.Api.Tests.Kinds.Line;

/// <summary>
/// A job kind that exists only in the tests, to show what adding a kind takes: this folder and one registration
/// line (<c>services.AddJobKind&lt;LineSpec, LineTrainer&gt;(LineSpec.KindName)</c>). It fits y = 2x + 1 to noisy
/// points with a one-weight network (<c>fit</c>), keeps a running average of those weights that has no optimizer
/// (<c>average</c>, as a DQN keeps its target network) and a state of its own (the sum of every step's loss), and can
/// pause each epoch so that a test can kill its worker mid-way.
/// </summary>
public sealed record LineSpec : JobSpec
{
    public const string KindName = "line";

    public LineTraining Training { get; init; } = new();

    public override DeviceName Device() => Training.Device;

    /// <summary>A one-weight network: a handful of operations a point, three passes, every epoch.</summary>
    public override JobCost Cost() => new(12.0 * Training.Samples * Training.Epochs, "training.epochs", $"{Training.Samples} points, {Training.Epochs} epochs");

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (Training.Epochs < 1 || Training.Epochs > limits.MaxEpochs) errors.Add("training.epochs", $"must be between 1 and {limits.MaxEpochs}");
        if (Training.Samples is < 2 or > 10_000) errors.Add("training.samples", "must be between 2 and 10000");
        errors.Positive(Training.LearningRate, "training.learningRate");
        if (Training.PauseMilliseconds is < 0 or > 5000) errors.Add("training.pauseMilliseconds", "must be between 0 and 5000");
        return errors.ToDictionary();
    }
}

public sealed record LineTraining
{
    public int Epochs { get; init; } = 20;
    public int Samples { get; init; } = 64;
    public double LearningRate { get; init; } = 0.05;
    public int Seed { get; init; } = 1;
    public DeviceName Device { get; init; } = DeviceName.Cpu;
    public int PauseMilliseconds { get; init; }

    /// <summary>At this epoch (0: never) an operation fails inside LibTorch — in a run that started fresh, or in every attempt.</summary>
    public int FaultAtEpoch { get; init; }
    public bool FaultEveryAttempt { get; init; }
}
