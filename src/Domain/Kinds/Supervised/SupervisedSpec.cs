using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Supervised;

/// <summary>
/// The default kind: a network learns labelled data — playground points, images, uploads — by gradient descent on
/// a loss. Given as <c>{ "kind": "supervised", "dataset", "network", "optimizer", "training" }</c> (kind optional).
/// </summary>
public sealed record SupervisedSpec : JobSpec
{
    public required DatasetSpec Dataset { get; init; }
    public required NetworkSpec Network { get; init; }
    public OptimizerSpec Optimizer { get; init; } = new();
    public TrainingSpec Training { get; init; } = new();

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits) => SupervisedValidator.Validate(this, limits);

    /// <summary>
    /// Each epoch trains every training sample (forward and backward: about three forward passes) and runs the
    /// validation split forward; at the end the test and training splits are evaluated once.
    /// </summary>
    public override JobCost Cost()
    {
        double forward = ShapeInference.ForwardFlops(Network, Dataset.SampleShape());
        var (train, validation, test) = Dataset.SplitSizes();
        double flops = Training.Epochs * (3 * forward * train + forward * validation) + forward * (test + train);
        return new JobCost(flops, "training.epochs",
            $"{JobCost.Format(forward)} per sample forward, {train} training and {validation} validation samples, {Training.Epochs} epochs");
    }

    public override DatasetSpec TrainsOn() => Dataset;

    public override JobSpec WithDataset(DatasetSpec dataset) => this with { Dataset = dataset };

    public override Guid? TransfersFrom() => Network.Transfer?.FromJob;

    public override IReadOnlyDictionary<string, string[]> CheckTransferSource(JobSpec source) => SupervisedValidator.CheckTransferSource(this, source);
}
