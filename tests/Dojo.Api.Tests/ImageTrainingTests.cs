using System.Text.Json;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>Convolutional networks on the shipped image data sets, with real TorchSharp, outside the job machinery.</summary>
public sealed class ImageTrainingTests(ITestOutputHelper output)
{
    /// <summary>A sample request from samples/ as the job spec it stands for (inline parts only).</summary>
    public static JobSpec Sample(string name) =>
        SpecJson.Deserialize<JobSpec>(Dojo.Api.Jobs.SubmitJobRequest.From(DojoClient.Sample(name)).Spec);

    [Fact]
    public void Lenet_sample_learns_the_mnist_subset()
    {
        var spec = Sample("lenet-mnist");
        var session = new RecordingSession(spec);
        var outcome = Assert.IsType<TrainingOutcome.Completed>(new SupervisedTrainer(new DeviceResolver()).Train(session));
        double accuracy = outcome.Final.Single(m => m.Name == MetricNames.TestAccuracy).Value;
        output.WriteLine($"LeNet on the MNIST subset: test accuracy {accuracy:F4}");
        Assert.True(accuracy >= 0.97, $"test accuracy {accuracy}; per epoch: {JsonSerializer.Serialize(session.Epochs.Select(e => e.Metrics))}");
        Assert.All(session.Epochs, epoch => Assert.Contains(epoch.Metrics, m => m.Name == MetricNames.ValAccuracy));
    }
}
