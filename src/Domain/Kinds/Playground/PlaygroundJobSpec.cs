using Dojo.Domain.Playground;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Playground;

/// <summary>How long the page trains, and where (its engine runs on the CPU, one example at a time).</summary>
public sealed record PageTraining
{
    public int Epochs { get; init; } = 500;
    public DeviceName Device { get; init; } = DeviceName.Cpu;
}

/// <summary>
/// A TensorFlow Playground URL trained exactly as its page trains it: <c>{ "kind": "playground", "url":
/// "https://playground.tensorflow.org/#…", "seed": "0.12345", "training": { "epochs": 500 } }</c>. The page's own
/// algorithm in float64 (<see cref="PageRun"/>), so its losses are the page's; <c>seed</c> (optional) replaces the URL's
/// seed text, as the page's "regenerate" does. Records per epoch the page's training and test loss and the share of
/// points on the right side; keeps no network file (the page has none to download).
/// </summary>
public sealed record PlaygroundJobSpec : JobSpec
{
    public required string Url { get; init; }
    public string? Seed { get; init; }
    public PageTraining Training { get; init; } = new();

    /// <summary>The URL's state; throws <see cref="PlaygroundUrlException"/> when it is not a playground URL.</summary>
    public PlaygroundState State() => PlaygroundState.Parse(Url);

    /// <summary>The seed text the run draws from: <see cref="Seed"/>, else the URL's.</summary>
    public string SeedText() => Seed ?? State().Seed ?? throw new PlaygroundUrlException("has no seed");

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (Training.Epochs < 1 || Training.Epochs > limits.MaxEpochs) errors.Add("training.epochs", $"must be between 1 and {limits.MaxEpochs}");
        if (Training.Device.Kind is not ("cpu" or "auto")) errors.Add(DeviceField, "the page's engine runs on the CPU: cpu or auto");
        if (Seed is { Length: 0 or > 100 }) errors.Add("seed", "must be 1 to 100 characters, as the page's seed text");
        PlaygroundState state;
        try
        {
            state = State();
        }
        catch (PlaygroundUrlException ex)
        {
            errors.Add("url", ex.Message);
            return errors.ToDictionary();
        }
        if (state.Seed is null && Seed is null) errors.Add("url", "has no seed= (the page would pick one at random): add the page's seed, or give seed");
        if (state.NetworkShape.Any(n => !(n >= 0) || n != Math.Floor(n) || n > 64))
            errors.Add("url", $"networkShape '{string.Join(",", state.NetworkShape)}' is not a list of whole numbers of neurons (0 to 64 a layer)");
        else if (state.NetworkShape.Count > 10) errors.Add("url", $"networkShape has {state.NetworkShape.Count} hidden layers; at most 10 are trained");
        if (state.Features().Count == 0) errors.Add("url", "turns every input off; the page needs at least one");
        if (!double.IsFinite(state.PercTrainData) || state.PercTrainData is < 1 or > 99) errors.Add("url", $"percTrainData '{state.PercTrainData}' is not a percentage the page offers (10 to 90)");
        // Rates, noise and batch size are taken as the page takes them: a rate that is not a number makes the page's
        // weights NaN at the first update, and the run ends diverged as the student saw it fail.
        return errors.ToDictionary();
    }

    /// <summary>Per epoch every training point forward and backward (about three passes of ~2·links operations), and every point forward twice for the losses.</summary>
    public override JobCost Cost()
    {
        var state = State();
        int[] shape = [state.Features().Count, .. state.NetworkShape.Select(n => (int)n), 1];
        double links = shape.Zip(shape.Skip(1), (a, b) => (double)a * b).Sum() + shape.Skip(1).Sum();
        int points = state.Problem == "regression" ? 1200 : 500;
        double flops = Training.Epochs * points * 2 * links * 3;
        return new JobCost(flops, "training.epochs", $"{links} weights and biases, {points} points, {Training.Epochs} epochs");
    }
}
