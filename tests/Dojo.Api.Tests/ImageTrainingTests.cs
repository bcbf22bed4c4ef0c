using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>Convolutional networks on the shipped image data sets, with real TorchSharp, outside the job machinery.</summary>
public sealed class ImageTrainingTests(ITestOutputHelper output)
{
    private sealed class Session(JobSpec spec) : ITrainingSession
    {
        public Guid JobId { get; } = Guid.NewGuid();
        public JobSpec Spec => spec;
        public Checkpoint? ResumeFrom => null;
        public CancellationToken Stopping => CancellationToken.None;
        public List<IReadOnlyList<Metric>> Epochs { get; } = [];

        public void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<byte[]> checkpointState) => Epochs.Add(metrics);
    }

    /// <summary>A sample request from samples/ as the job spec it stands for (inline parts only).</summary>
    public static JobSpec Sample(string name)
    {
        var request = SpecJson.Deserialize<Dojo.Api.Jobs.SubmitJobRequest>(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "samples", name + ".json")));
        return new JobSpec { Dataset = request.Dataset!, Network = request.Network!, Optimizer = request.Optimizer ?? new(), Training = request.Training ?? new() };
    }

    [Fact]
    public void Lenet_sample_learns_the_mnist_subset()
    {
        var spec = Sample("lenet-mnist");
        var session = new Session(spec);
        var outcome = Assert.IsType<TrainingOutcome.Completed>(new SupervisedTrainer(new DeviceResolver()).Train(session));
        double accuracy = outcome.Final.Single(m => m.Name == MetricNames.TestAccuracy).Value;
        output.WriteLine($"LeNet on the MNIST subset: test accuracy {accuracy:F4}");
        Assert.True(accuracy >= 0.97, $"test accuracy {accuracy}; per epoch: {JsonSerializer.Serialize(session.Epochs)}");
        Assert.All(session.Epochs, metrics => Assert.Contains(metrics, m => m.Name == MetricNames.ValAccuracy));
    }
}
