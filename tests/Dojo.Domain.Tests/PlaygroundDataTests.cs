using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public class PlaygroundDataTests
{
    [Theory]
    [InlineData(PlaygroundGenerator.Xor, 500)]
    [InlineData(PlaygroundGenerator.Spiral, 500)]
    [InlineData(PlaygroundGenerator.Circle, 500)]
    [InlineData(PlaygroundGenerator.Gauss, 500)]
    [InlineData(PlaygroundGenerator.Plane, 1200)]
    [InlineData(PlaygroundGenerator.MultiGauss, 1200)]
    public void Default_sample_counts_follow_the_playground(PlaygroundGenerator generator, int samples)
    {
        var data = PlaygroundData.Generate(new PlaygroundDatasetSpec { Generator = generator, TrainPercent = 30 });
        Assert.Equal(samples, data.Train.Count + data.Test.Count);
        Assert.Equal((int)Math.Floor(samples * 0.3), data.Train.Count);
    }

    [Fact]
    public void Xor_without_noise_labels_by_quadrant_and_keeps_the_padding()
    {
        var points = PlaygroundData.Points(PlaygroundGenerator.Xor, 1000, 0, new SystemRandomSource(7));
        Assert.All(points, p =>
        {
            Assert.Equal(p.X * p.Y >= 0 ? 1 : -1, p.Label);
            Assert.True(Math.Abs(p.X) >= 0.3 && Math.Abs(p.Y) >= 0.3);
        });
        Assert.InRange(points.Count(p => p.Label > 0), 400, 600);
    }

    [Fact]
    public void Circle_without_noise_puts_positives_inside_radius_2_5()
    {
        var points = PlaygroundData.Points(PlaygroundGenerator.Circle, 400, 0, new SystemRandomSource(3));
        Assert.All(points, p => Assert.Equal(Math.Sqrt(p.X * p.X + p.Y * p.Y) < 2.5 ? 1 : -1, p.Label));
        Assert.Equal(200, points.Count(p => p.Label > 0));
    }

    [Fact]
    public void Spiral_arms_are_point_symmetric()
    {
        var points = PlaygroundData.Points(PlaygroundGenerator.Spiral, 200, 0, new SystemRandomSource(1));
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(-points[i].X, points[100 + i].X, 9);
            Assert.Equal(-points[i].Y, points[100 + i].Y, 9);
            Assert.Equal(1, points[i].Label);
            Assert.Equal(-1, points[100 + i].Label);
        }
    }

    [Fact]
    public void Plane_label_is_the_scaled_sum_and_multi_gauss_is_clamped()
    {
        Assert.All(PlaygroundData.Points(PlaygroundGenerator.Plane, 500, 0, new SystemRandomSource(2)), p => Assert.Equal((p.X + p.Y) / 10, p.Label, 12));
        Assert.All(PlaygroundData.Points(PlaygroundGenerator.MultiGauss, 500, 0.5, new SystemRandomSource(2)), p => Assert.InRange(p.Label, -1.0, 1.0));
    }

    [Fact]
    public void Same_seed_same_data_other_seed_other_data()
    {
        var spec = new PlaygroundDatasetSpec { Generator = PlaygroundGenerator.Gauss, Noise = 20, Seed = 5 };
        Assert.Equal(PlaygroundData.Generate(spec).Train.Features, PlaygroundData.Generate(spec).Train.Features);
        Assert.NotEqual(PlaygroundData.Generate(spec).Train.Features, PlaygroundData.Generate(spec with { Seed = 6 }).Train.Features);
    }

    [Fact]
    public void Features_are_computed_per_point()
    {
        var spec = new PlaygroundDatasetSpec { Features = [InputFeature.X1, InputFeature.X2, InputFeature.X1Squared, InputFeature.X1X2, InputFeature.SinX2] };
        var train = PlaygroundData.Generate(spec).Train;
        Assert.Equal(5, train.FeatureCount);
        for (int i = 0; i < train.Count; i++)
        {
            float x1 = train.Features[i * 5], x2 = train.Features[i * 5 + 1];
            Assert.Equal(x1 * x1, train.Features[i * 5 + 2], 3);
            Assert.Equal(x1 * x2, train.Features[i * 5 + 3], 3);
            Assert.Equal(MathF.Sin(x2), train.Features[i * 5 + 4], 3);
        }
    }
}
