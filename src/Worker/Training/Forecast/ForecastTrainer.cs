using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Forecast;
using Dojo.Storage;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Forecast;

/// <summary>
/// Mini-batch training of a network on a series' windows (<see cref="TimeSeriesData"/>): each epoch's order and dropout
/// masks from (seed, epoch), as for supervised jobs, so a resumed job ends as an uninterrupted one. Each epoch reports
/// the held-out windows' loss, and their RMSE and MAE in the series' own units beside the naive forecast's RMSE (the
/// last known value, held); at the end the same for the test windows and the training windows.
/// </summary>
public sealed class ForecastTrainer(DeviceResolver devices, IOptions<DojoOptions>? storage = null) : ITrainer
{
    private const int DropoutStream = 1, ShuffleStream = 2;

    private readonly DatasetFolders _folders = DatasetFolders.From(storage);

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (ForecastSpec)session.Spec;
        var data = TimeSeriesData.Load(spec.Series, _folders.Builtin, _folders.Uploads);
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var dropout = run.Generator();
        var model = ModelBuilder.Build(spec.Network, spec.Dataset.SampleShape(), new NetworkInit(run.Generator(), dropout));
        using var net = model.Net;
        net.to(run.Device);
        using var optimizer = TrainingOptimizer.Create(spec.Optimizer, net.parameters());
        run.Track(ModelNames.Default, net, optimizer, new NetworkDescription(spec.Network, spec.Dataset.SampleShape()));
        run.Resume();

        using var train = new WindowTensors(data.Train, data, run.Device);
        using var held = new WindowTensors(data.Held, data, run.Device);
        using var penalty = new WeightPenalty(spec.Optimizer, model.Weights);
        int samples = data.Train.Count, batchSize = spec.Training.BatchSize.Resolve(samples);

        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            run.Reseed(dropout, epoch, DropoutStream);
            var order = run.Order(samples, epoch, spec.Training.Shuffle, ShuffleStream);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            net.train();
            for (int start = 0; start < samples; start += batchSize)
            {
                run.ThrowIfStopping();
                using var scope = NewDisposeScope();
                int size = Math.Min(batchSize, samples - start);
                using var index = tensor(order.AsSpan(start, size).ToArray(), device: run.Device);
                optimizer.ZeroGrad();
                var loss = Losses.Mean(spec.Training, net.forward(train.X.index_select(0, index)), train.Y.index_select(0, index));
                double value = loss.item<float>();
                if (run.Stepped(value, epoch) is { } diverged) return diverged;
                penalty.AddTo(loss).backward();
                optimizer.Step();
                lossSum += value * size;
            }
            double seconds = clock.Elapsed.TotalSeconds;

            var measured = Measure(net, spec, data, held);
            if (run.Checked("validation loss", measured.Loss, epoch) is { } heldDiverged) return heldDiverged;
            run.EpochCompleted(epoch,
            [
                new(MetricNames.Loss, lossSum / samples), new(MetricNames.ValLoss, measured.Loss),
                new(ForecastMetrics.ValRmse, measured.Rmse), new(ForecastMetrics.ValMae, measured.Mae), new(ForecastMetrics.ValNaiveRmse, measured.NaiveRmse),
                new(MetricNames.SamplesPerSec, seconds > 0 ? samples / seconds : 0),
            ]);
        }

        using var test = new WindowTensors(data.Test, data, run.Device);
        var onTest = Measure(net, spec, data, test);
        var onTrain = Measure(net, spec, data, train);
        return run.Complete(
        [
            new(MetricNames.TestLoss, onTest.Loss), new(ForecastMetrics.TestRmse, onTest.Rmse), new(ForecastMetrics.TestMae, onTest.Mae),
            new(ForecastMetrics.TestNaiveRmse, onTest.NaiveRmse), new(MetricNames.TrainLoss, onTrain.Loss), new(ForecastMetrics.TrainRmse, onTrain.Rmse),
        ]);
    }

    /// <summary>Held-out windows run forward this many at a time (bounded memory).</summary>
    private const int Chunk = 1000;

    /// <summary>The loss (the network's units) and RMSE, MAE and naive RMSE (the series' units) over some windows, in eval mode.</summary>
    private static (double Loss, double Rmse, double Mae, double NaiveRmse) Measure(nn.Module<Tensor, Tensor> net, ForecastSpec spec, TimeSeriesData data, WindowTensors windows)
    {
        net.eval();
        using var _ = inference_mode();
        long count = windows.X.shape[0];
        var predicted = new float[count * data.Horizon];
        double lossSum = 0;
        long elements = 0;
        for (long start = 0; start < count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(Chunk, count - start);
            var output = net.forward(windows.X.narrow(0, start, size));
            var (sum, summed) = Losses.Sum(spec.Training, output, windows.Y.narrow(0, start, size));
            (lossSum, elements) = (lossSum + sum, elements + summed);
            output.cpu().data<float>().CopyTo(predicted, (int)(start * data.Horizon));
        }
        var (rmse, mae, naive) = data.Errors(windows.Windows, predicted);
        return (lossSum / elements, rmse, mae, naive);
    }

    /// <summary>Windows as tensors on the job's device: inputs [count, lookback, 1], targets [count, horizon].</summary>
    private sealed class WindowTensors(SeriesWindows windows, TimeSeriesData data, Device device) : IDisposable
    {
        public SeriesWindows Windows => windows;
        public Tensor X { get; } = tensor(windows.Inputs, [windows.Count, data.Lookback, 1], device: device);
        public Tensor Y { get; } = tensor(windows.Targets, [windows.Count, data.Horizon], device: device);

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
        }
    }
}
