using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public class SpecValidatorTests
{
    private static readonly SpecLimits Limits = new();

    private static SupervisedSpec Xor(params LayerSpec[] layers) => new()
    {
        Dataset = new PlaygroundDatasetSpec { Generator = PlaygroundGenerator.Xor },
        Network = new NetworkSpec { Layers = layers.Length > 0 ? layers : [new DenseLayer(4), new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(1)] },
        Optimizer = new OptimizerSpec(),
        Training = new TrainingSpec(),
    };

    [Fact]
    public void Samples_are_valid_as_shipped()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "samples"), "*.json"))
        {
            var request = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            request.Remove("name");
            var spec = SpecJson.Deserialize<JobSpec>(request);
            Assert.Empty(spec.Validate(Limits));
        }
    }

    [Fact]
    public void Negative_learning_rate_is_named()
    {
        var errors = (Xor() with { Optimizer = new OptimizerSpec { LearningRate = -0.1 } }).Validate(Limits);
        Assert.Contains("optimizer.learningRate", errors.Keys);
    }

    [Fact]
    public void Output_width_that_does_not_fit_the_loss_names_the_last_layer()
    {
        var spec = Xor(new DenseLayer(4), new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(3));
        var errors = spec.Validate(Limits);
        var message = Assert.Single(errors["network.layers[2]"]);
        Assert.Contains("3 outputs", message);
    }

    [Fact]
    public void Cross_entropy_needs_one_output_per_class()
    {
        var spec = Xor(new DenseLayer(4), new ActivationLayer(ActivationFunction.Relu), new DenseLayer(2), new ActivationLayer(ActivationFunction.Softmax))
            with { Training = new TrainingSpec { Loss = LossFunction.CrossEntropy } };
        Assert.Empty(spec.Validate(Limits));
        var wrong = spec with { Network = new NetworkSpec { Layers = [new DenseLayer(1)] } };
        Assert.Contains("network.layers[0]", wrong.Validate(Limits).Keys);
    }

    [Fact]
    public void Zero_units_are_refused_at_their_path()
    {
        var errors = Xor(new DenseLayer(4), new DenseLayer(0), new DenseLayer(1)).Validate(Limits);
        Assert.Contains("network.layers[1].units", errors.Keys);
    }

    [Fact]
    public void Parameter_cap_is_enforced_at_the_layer_that_crosses_it()
    {
        // 2*8000 + 8000 + 8000*6000 + 6000 ≈ 48 million parameters.
        var spec = Xor(new DenseLayer(8000), new DenseLayer(6000), new DenseLayer(1));
        var errors = spec.Validate(Limits);
        Assert.Contains("limit is 5,000,000", Assert.Single(errors["network.layers[1]"]));
    }

    [Fact]
    public void Epoch_and_sample_caps_are_configurable()
    {
        var tight = new SpecLimits { MaxEpochs = 10, MaxSamples = 100 };
        var spec = Xor() with { Training = new TrainingSpec { Epochs = 11 }, Dataset = new PlaygroundDatasetSpec { Samples = 500 } };
        var errors = spec.Validate(tight);
        Assert.Contains("training.epochs", errors.Keys);
        Assert.Contains("dataset.samples", errors.Keys);
        Assert.Empty(Xor().Validate(Limits));
    }

    [Fact]
    public void Regression_refuses_classification_losses()
    {
        var spec = Xor() with
        {
            Dataset = new PlaygroundDatasetSpec { Generator = PlaygroundGenerator.Plane },
            Training = new TrainingSpec { Loss = LossFunction.BinaryCrossEntropy },
        };
        Assert.Contains("training.loss", spec.Validate(Limits).Keys);
    }

    [Theory]
    [InlineData("cpu", true)]
    [InlineData("cuda", true)]
    [InlineData("cuda:1", true)]
    [InlineData("auto", true)]
    [InlineData("cpu:1", false)]
    [InlineData("gpu", false)]
    [InlineData("cuda:x", false)]
    public void Device_names_are_parsed(string device, bool valid)
    {
        var json = SpecJson.ToJsonObject<JobSpec>(Xor());
        json["training"]!["device"] = device;
        if (valid)
        {
            Assert.Equal(device, SpecJson.Deserialize<JobSpec>(json).Device().ToString());
            return;
        }
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<JobSpec>(json));
        Assert.Equal("$.training.device", error.Path);
        Assert.Contains("is not a device", error.Message);
    }
}
