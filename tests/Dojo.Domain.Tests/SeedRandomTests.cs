using Dojo.Domain.Datasets;

namespace Dojo.Domain.Tests;

public class SeedRandomTests
{
    // Reference values printed by the npm package seedrandom 2.4.4 (the version the playground uses) under node.
    [Fact]
    public void Matches_seedrandom_for_its_documented_seed()
    {
        var random = new SeedRandom("hello.");
        Assert.Equal(0.9282578795792454, random.NextDouble());
        Assert.Equal(0.3752569768646784, random.NextDouble());
    }

    [Fact]
    public void Matches_seedrandom_for_a_playground_seed()
    {
        double[] expected = [0.5253676033382968, 0.7470892271022289, 0.9235984661889308, 0.5156617278404216,
                             0.8808842520632177, 0.8677650992888681, 0.5791098406815816, 0.4570391045485351];
        var random = new SeedRandom("0.37934");
        Assert.Equal(expected, expected.Select(_ => random.NextDouble()));
    }
}

public class PlaygroundSeedTests
{
    // Reference: seedrandom 2.4.4 under node, through the playground's classifyXORData(500, 0) and shuffle.
    [Fact]
    public void Url_seed_gives_the_pages_xor_points_in_the_pages_order()
    {
        var data = PlaygroundData.Generate(new Dojo.Domain.Specs.PlaygroundDatasetSpec
        {
            Generator = Dojo.Domain.Specs.PlaygroundGenerator.Xor, SeedText = "0.37934",
        });

        (double X, double Y, double Label)[] firstTrain = [(5.221248078222776, -1.905955526087655, -1), (-3.9704410647405313, 1.4806910022048332, -1), (4.980472183610419, 0.3907567943521119, 1)];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal((float)firstTrain[i].X, data.Train.Features[2 * i]);
            Assert.Equal((float)firstTrain[i].Y, data.Train.Features[2 * i + 1]);
            Assert.Equal((float)firstTrain[i].Label, data.Train.Labels[i]);
        }
        Assert.Equal((float)-1.447527085450931, data.Test.Features[0]);
        Assert.Equal((float)5.1686009023251485, data.Test.Features[1]);
        // The stream continues into the weights: the page's first weight is the next draw minus 0.5.
        Assert.Equal(0.12511313813144986, data.Stream.NextDouble() - 0.5, 15);
    }
}
