namespace Dojo.Domain.Specs;

/// <summary>Everything a worker needs to train one model: the resolved, validated specification of a job.</summary>
public sealed record JobSpec
{
    public required DatasetSpec Dataset { get; init; }
    public required NetworkSpec Network { get; init; }
    public required OptimizerSpec Optimizer { get; init; }
    public required TrainingSpec Training { get; init; }
}
