using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Supervised;

/// <summary>How to train: loss, batch size (1 = SGD, N = mini-batch, "full" = full-batch), epochs, seed, device.</summary>
public sealed record TrainingSpec
{
    public LossFunction Loss { get; init; } = LossFunction.Mse;
    public double HuberDelta { get; init; } = 1.0;
    public BatchSize BatchSize { get; init; } = new(10);
    public int Epochs { get; init; } = 100;
    public int Seed { get; init; } = 1;
    public DeviceName Device { get; init; } = DeviceName.Cpu;

    /// <summary>Reshuffle the training set every epoch (the playground does not: it walks its once-shuffled data in order).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Record each dense and convolution layer's mean weight-gradient norm per epoch (<c>grad_norm.layers[i]</c>).</summary>
    public bool GradientNorms { get; init; }
}
