using System.Text.Json.Serialization;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Forecast;

/// <summary>
/// Forecasting a time series: a network reads <c>lookback</c> values and predicts the next <c>horizon</c> ones.
/// Given as <c>{ "kind": "forecast", "dataset": { "kind": "timeSeries", … }, "network", "optimizer", "training" }</c>.
/// Each epoch reports the held-out windows' RMSE and MAE in the series' own units beside the naive forecast's RMSE
/// (tomorrow is today's value); a finished job forecasts past the end of its series.
/// </summary>
public sealed record ForecastSpec : JobSpec
{
    public required DatasetSpec Dataset { get; init; }
    public required NetworkSpec Network { get; init; }
    public OptimizerSpec Optimizer { get; init; } = new() { Kind = OptimizerKind.Adam, LearningRate = 0.01 };
    public TrainingSpec Training { get; init; } = new() { BatchSize = new BatchSize(16) };

    /// <summary>The data set, once checked to be a series.</summary>
    [JsonIgnore]
    public TimeSeriesDatasetSpec Series => (TimeSeriesDatasetSpec)Dataset;

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (Dataset.CheckFor(JobKinds.Forecast, errors, "dataset")) Dataset.Validate(limits, errors, "dataset");
        Optimizer.Validate(errors, "optimizer");
        Training.Validate(limits, errors, "training");
        if (Training.Loss is not (LossFunction.Mse or LossFunction.HalfMse or LossFunction.Mae or LossFunction.Huber))
            errors.Add("training.loss", $"{SpecJson.Name(Training.Loss)} is a classification loss; a forecast learns values (mse, mae or huber)");
        if (Network.Transfer is not null) errors.Add("network.transfer", "transfer learning is for supervised jobs");
        if (errors.Count > 0) return errors.ToDictionary();

        var layers = Network.Layers;
        if (NetworkChecks.Check(Network, Dataset.SampleShape(), limits, errors, "network") is { } output && !output.SequenceEqual([Series.Horizon]))
            errors.Add(layers.Count == 0 ? "network.layers" : $"network.layers[{layers.Count - 1}]",
                $"the network ends with {ShapeInference.Format(output)}; forecasting {Series.Horizon} step(s) ahead needs [{Series.Horizon}] (a last dense layer of {Series.Horizon} units)");
        return errors.ToDictionary();
    }

    /// <summary>Each epoch trains every training window (about three forward passes) and runs the held-out windows forward.</summary>
    public override JobCost Cost()
    {
        double forward = ShapeInference.ForwardFlops(Network, Dataset.SampleShape());
        var (train, validation, test) = Dataset.SplitSizes();
        double held = validation > 0 ? validation : test;
        return new JobCost(Training.Epochs * (3 * forward * train + forward * held) + forward * (test + train), "training.epochs",
            $"{JobCost.Format(forward)} per window forward, {train} training windows, {Training.Epochs} epochs");
    }

    public override DatasetSpec TrainsOn() => Dataset;

    public override JobSpec WithDataset(DatasetSpec dataset) => this with { Dataset = dataset };
}

/// <summary>What a forecast job records beyond the common metrics: errors in the series' own units, and the naive forecast's.</summary>
public static class ForecastMetrics
{
    public const string ValRmse = "val_rmse";
    public const string ValMae = "val_mae";
    /// <summary>The naive forecast (the last known value, held for the horizon) on the same windows: the figure to beat.</summary>
    public const string ValNaiveRmse = "val_naive_rmse";
    public const string TestRmse = "test_rmse";
    public const string TestMae = "test_mae";
    public const string TestNaiveRmse = "test_naive_rmse";
    public const string TrainRmse = "train_rmse";
}
