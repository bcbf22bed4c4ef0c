using Dojo.Domain.Datasets;
using Dojo.Domain.Playground;
using Dojo.Worker.Training;
using static TorchSharp.torch;

namespace Dojo.Api.Tests;

public sealed class PlaygroundInitTests
{
    [Fact]
    public void Playground_init_draws_the_pages_weights_after_its_data()
    {
        var parsed = PlaygroundSpec.ToJobSpec(PlaygroundState.Parse("https://playground.tensorflow.org/#dataset=xor&seed=0.37934"), 10);
        var data = PlaygroundData.Generate(parsed.Dataset);
        using var g1 = new Generator(1);
        using var g2 = new Generator(1);

        var model = ModelBuilder.Build(parsed.Spec.Network, parsed.Dataset.SampleShape(), new NetworkInit(g1, g2, data.Stream));

        // seedrandom 2.4.4 under node: the 8 draws after the data and shuffle, minus 0.5, node by node.
        float[] page = [0.12511313813144986f, 0.2528622384491295f, 0.3450116531014552f, -0.26294312896151306f,
                        -0.045038006053012725f, -0.14124034071213243f, 0.19468736924081298f, -0.13143927232466057f];
        var first = model.Net.children().OfType<TorchSharp.Modules.Linear>().First();
        Assert.Equal(page, first.weight!.data<float>().ToArray());
        Assert.All(first.bias!.data<float>().ToArray(), b => Assert.Equal(0.1f, b));
    }
}
