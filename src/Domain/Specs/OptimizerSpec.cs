namespace Dojo.Domain.Specs;

/// <summary>
/// The update rule and its hyper-parameters. <see cref="Momentum"/> is μ for <c>momentum</c>,
/// <see cref="Alpha"/> the decay of <c>rmsprop</c>, <see cref="Beta1"/>/<see cref="Beta2"/>/<see cref="Epsilon"/>
/// Adam's. <see cref="L1"/> and <see cref="L2"/> add penalties on the weights (not the biases) to the loss.
/// </summary>
public sealed record OptimizerSpec
{
    public OptimizerKind Kind { get; init; } = OptimizerKind.Sgd;
    public double LearningRate { get; init; } = 0.03;
    public double Momentum { get; init; } = 0.9;
    public double Alpha { get; init; } = 0.99;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;
    public double L1 { get; init; }
    public double L2 { get; init; }

    public void Validate(ValidationErrors errors, string path)
    {
        errors.Positive(LearningRate, $"{path}.learningRate");
        errors.NonNegative(L1, $"{path}.l1");
        errors.NonNegative(L2, $"{path}.l2");
        if (Momentum is < 0 or >= 1) errors.Add($"{path}.momentum", "must be in [0, 1)");
        if (Alpha is < 0 or >= 1) errors.Add($"{path}.alpha", "must be in [0, 1)");
        if (Beta1 is < 0 or >= 1) errors.Add($"{path}.beta1", "must be in [0, 1)");
        if (Beta2 is < 0 or >= 1) errors.Add($"{path}.beta2", "must be in [0, 1)");
        errors.Positive(Epsilon, $"{path}.epsilon");
    }
}
