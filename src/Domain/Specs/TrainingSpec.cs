namespace Dojo.Domain.Specs;

/// <summary>
/// How to run the training loop (the <c>training</c> section of every kind that learns by gradient descent): batch
/// size (1 = SGD, N = mini-batch, "full" = full-batch), epochs, seed, device, reshuffling. Kinds whose loss is fixed
/// (a language model's next-token cross-entropy) take this; <see cref="TrainingSpec"/> adds the loss to choose.
/// </summary>
public record TrainingLoop
{
    public BatchSize BatchSize { get; init; } = new(10);
    public int Epochs { get; init; } = 100;
    public int Seed { get; init; } = 1;
    public DeviceName Device { get; init; } = DeviceName.Cpu;

    /// <summary>Reshuffle the training set every epoch (the playground does not: it walks its once-shuffled data in order).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>The ranges every kind shares: epochs within the limit, a batch size.</summary>
    public virtual void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (Epochs < 1 || Epochs > limits.MaxEpochs)
            errors.Add($"{path}.epochs", $"must be between 1 and {limits.MaxEpochs}");
        if (BatchSize.Size < 0)
            errors.Add($"{path}.batchSize", "must be a positive number of samples or \"full\"");
    }
}

/// <summary>The training loop of a kind that learns targets with a loss of its choosing: supervised, forecast.</summary>
public sealed record TrainingSpec : TrainingLoop
{
    public LossFunction Loss { get; init; } = LossFunction.Mse;
    public double HuberDelta { get; init; } = 1.0;

    /// <summary>Record each dense and convolution layer's mean weight-gradient norm per epoch (<c>grad_norm.layers[i]</c>).</summary>
    public bool GradientNorms { get; init; }

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        base.Validate(limits, errors, path);
        errors.Positive(HuberDelta, $"{path}.huberDelta");
    }
}
