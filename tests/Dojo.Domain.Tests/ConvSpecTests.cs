using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

/// <summary>Shape inference through convolution, pooling and flattening, as checked at submit.</summary>
public sealed class ConvSpecTests
{
    private static SupervisedSpec Mnist(params LayerSpec[] layers) => new()
    {
        Dataset = new BuiltinDatasetSpec { Name = BuiltinDataset.MnistSubset },
        Network = new NetworkSpec { Layers = layers },
        Optimizer = new OptimizerSpec(),
        Training = new TrainingSpec { Loss = LossFunction.CrossEntropy },
    };

    private static IReadOnlyDictionary<string, string[]> Check(SupervisedSpec spec) => spec.Validate(new SpecLimits());

    [Fact]
    public void Shapes_flow_through_conv_pool_and_flatten()
    {
        var spec = Mnist(new Conv2dLayer(6, 5) { Padding = Padding.SameSize }, new MaxPool2dLayer(2), // 6×14×14
            new Conv2dLayer(16, 5), new AvgPool2dLayer(2), // 16×10×10 → 16×5×5
            new BatchNormLayer(), new FlattenLayer(), new DenseLayer(10));
        Assert.Empty(Check(spec));
        Assert.Equal([16, 5, 5], new[] { 0, 1, 2, 3 }.Aggregate(spec.Dataset.SampleShape(), (shape, i) => ShapeInference.Apply(spec.Network.Layers[i], shape).Output!));
    }

    [Fact]
    public void A_dense_layer_on_an_image_names_the_incoming_shape_and_the_fix()
    {
        var errors = Check(Mnist(new Conv2dLayer(4, 3), new DenseLayer(10)));
        var message = Assert.Single(errors["network.layers[1]"]);
        Assert.Contains("[4, 26, 26]", message);
        Assert.Contains("flatten", message);
    }

    [Fact]
    public void A_kernel_larger_than_its_input_is_refused_with_the_layer_and_shape()
    {
        var errors = Check(Mnist(new MaxPool2dLayer(4), new MaxPool2dLayer(4), new Conv2dLayer(8, 3), new FlattenLayer(), new DenseLayer(10)));
        Assert.Contains("[1, 1, 1]", Assert.Single(errors["network.layers[2].kernel"]));
    }

    [Theory]
    [InlineData(2, 1)] // even kernel
    [InlineData(3, 2)] // stride 2
    public void Same_padding_needs_stride_1_and_an_odd_kernel(int kernel, int stride)
    {
        var errors = Check(Mnist(new Conv2dLayer(4, kernel) { Stride = stride, Padding = Padding.SameSize }, new GlobalAvgPoolLayer(), new DenseLayer(10)));
        Assert.Contains("network.layers[0].padding", errors.Keys);
    }

    [Fact]
    public void Conv_on_flat_playground_data_and_an_unflattened_output_are_refused()
    {
        var flat = new SupervisedSpec { Dataset = new PlaygroundDatasetSpec(), Network = new NetworkSpec { Layers = [new Conv2dLayer(2, 1)] }, Optimizer = new(), Training = new() };
        Assert.Contains("needs an image", Assert.Single(Check(flat)["network.layers[0]"]));
        Assert.Contains("must end flat", Assert.Single(Check(Mnist(new Conv2dLayer(10, 28)))["network.layers[0]"]));
    }

    [Fact]
    public void Outputs_must_match_the_chosen_classes()
    {
        var five = Mnist(new FlattenLayer(), new DenseLayer(10)) with
        {
            Dataset = new BuiltinDatasetSpec { Name = BuiltinDataset.MnistSubset, Classes = [5, 6, 7, 8, 9] },
        };
        Assert.Contains("crossEntropy over 5 classes needs 5", Assert.Single(Check(five)["network.layers[1]"]));
        Assert.Contains("dataset.classes", Check(five with { Dataset = (BuiltinDatasetSpec)five.Dataset with { Classes = [3, 11] } }).Keys);
        Assert.Contains("dataset.name", Check(five with { Dataset = new BuiltinDatasetSpec() }).Keys);
    }
}
