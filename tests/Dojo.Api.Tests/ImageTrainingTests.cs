using System.Text.Json;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Xunit.Abstractions;

namespace Dojo.Api.Tests;

/// <summary>The LeNet sample as a student submits it: a job through the real API and worker on the shipped MNIST subset.</summary>
public sealed class ImageTrainingTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    [Fact]
    public async Task Lenet_sample_job_learns_the_mnist_subset()
    {
        var client = new DojoClient(factory.CreateClient());

        var job = await client.WaitFinishedAsync((await client.SubmitAsync(DojoClient.Sample("lenet-mnist"))).Id, TimeSpan.FromMinutes(5));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        double accuracy = job.Result![MetricNames.TestAccuracy];
        output.WriteLine($"LeNet sample job on the MNIST subset: test accuracy {accuracy:F4}, {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F1} s");
        var points = await client.AllMetricsAsync(job.Id);
        Assert.True(accuracy >= 0.97, $"test accuracy {accuracy}; per epoch: {JsonSerializer.Serialize(points.Where(p => p.Name == MetricNames.ValAccuracy).Select(p => p.Value))}");
        Assert.Equal(Enumerable.Range(1, 10), points.Where(p => p.Name == MetricNames.ValAccuracy).Select(p => p.Epoch));
    }
}
