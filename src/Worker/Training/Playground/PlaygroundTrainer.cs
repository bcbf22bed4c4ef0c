using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Playground;
using Dojo.Domain.Playground;

namespace Dojo.Worker.Training.Playground;

/// <summary>
/// A playground URL trained by the page's own algorithm (<see cref="PageRun"/>: float64, one point at a time), not
/// TorchSharp: per epoch the page's training and test loss and the share of points on the right side. The checkpoint
/// holds the whole network, the derivatives a partial batch has accumulated included; the data is drawn again from the seed.
/// At the end it keeps the page's picture of the result, <c>boundary.png</c>. A loss that becomes NaN (the fork's mae where an output meets its target) ends the job diverged, as the page's run fails.
/// </summary>
public sealed class PlaygroundTrainer(DeviceResolver devices) : ITrainer
{
    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (PlaygroundJobSpec)session.Spec;
        var page = new PageRun(spec.State(), spec.SeedText());
        using var run = new TrainingRun(session, devices, spec.Training.Device, seed: 1);
        run.Resume(own => page.Network.Load(own));
        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            run.ThrowIfStopping();
            page.Epoch();
            var (train, test) = (page.Train(), page.Test());
            if (run.Checked("the training loss", train.Loss, epoch) is { } diverged) return diverged;
            var metrics = new List<Metric> { new(MetricNames.Loss, train.Loss), new(MetricNames.TestLoss, test.Loss) };
            if (train.Accuracy is { } accuracy) metrics.Add(new(MetricNames.Accuracy, accuracy));
            if (test.Accuracy is { } testAccuracy) metrics.Add(new(MetricNames.TestAccuracy, testAccuracy));
            run.EpochCompleted(epoch, metrics, own => page.Network.Save(own));
        }
        run.Keep(BoundaryPicture.Name, BoundaryPicture.Draw(page));
        return run.Complete([]);
    }
}
