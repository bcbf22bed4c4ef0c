using System.Text.Json;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public class SpecJsonTests
{
    [Fact]
    public void Unknown_activation_lists_the_allowed_ones_at_its_path()
    {
        const string json = """{ "layers": [ { "type": "dense", "units": 2 }, { "type": "activation", "function": "swish" } ] }""";
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<NetworkSpec>(json));
        Assert.Equal("$.layers[1].function", error.Path);
        Assert.Contains("'swish' is not one of: step, sigmoid, tanh, relu", error.Message);
    }

    [Fact]
    public void Misspelt_property_is_refused_not_ignored()
    {
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<OptimizerSpec>("""{ "kind": "adam", "learningrat": 0.1 }"""));
        Assert.Contains("learningrat", error.Message);
    }

    [Fact]
    public void Layer_type_may_come_after_its_fields()
    {
        var network = SpecJson.Deserialize<NetworkSpec>("""{ "layers": [ { "units": 3, "type": "dense" } ] }""");
        Assert.Equal(3, Assert.IsType<DenseLayer>(Assert.Single(network.Layers)).Units);
    }

    [Theory]
    [InlineData("\"full\"", 0)]
    [InlineData("1", 1)]
    [InlineData("32", 32)]
    public void Batch_size_is_a_number_or_full(string json, int size)
    {
        var training = SpecJson.Deserialize<TrainingSpec>($$"""{ "batchSize": {{json}} }""");
        Assert.Equal(size, training.BatchSize.Size);
        Assert.Equal(json.Trim('"'), SpecJson.Serialize(training.BatchSize).Trim('"'));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("\"half\"")]
    public void Batch_size_refuses_anything_else(string json)
    {
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<TrainingSpec>($$"""{ "batchSize": {{json}} }"""));
        Assert.Equal("$.batchSize", error.Path);
    }

    [Fact]
    public void Spec_round_trips()
    {
        var spec = new JobSpec
        {
            Dataset = new DatasetSpec { Generator = PlaygroundGenerator.MultiGauss, Features = [InputFeature.SinX1, InputFeature.X1X2] },
            Network = new NetworkSpec { Layers = [new DenseLayer(3) { Init = new InitSpec(InitKind.He) }, new DropoutLayer(0.2), new BatchNormLayer(), new DenseLayer(1)] },
            Optimizer = new OptimizerSpec { Kind = OptimizerKind.Rmsprop },
            Training = new TrainingSpec { BatchSize = BatchSize.Full, Loss = LossFunction.Huber },
        };
        string json = SpecJson.Serialize(spec);
        Assert.Contains("\"multiGauss\"", json);
        Assert.Contains("\"batchNorm\"", json);
        Assert.Equal(json, SpecJson.Serialize(SpecJson.Deserialize<JobSpec>(json)));
    }
}
