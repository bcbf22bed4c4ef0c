using Dojo.Domain.Playground;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public class PlaygroundUrlTests
{
    private const string UpstreamDefault =
        "https://playground.tensorflow.org/#activation=tanh&batchSize=10&dataset=circle&regDataset=reg-plane&learningRate=0.03" +
        "&regularizationRate=0&noise=0&networkShape=4,2&seed=0.37934&showTestData=false&discretize=false&percTrainData=50" +
        "&x=true&y=true&xTimesY=false&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false" +
        "&collectStats=false&problem=classification&initZero=false&hideText=false";

    private const string Fork = "https://deepinsider.github.io/playground/";

    [Fact]
    public void Upstream_default_url_reads_as_the_playground_defaults()
    {
        var state = PlaygroundState.Parse(UpstreamDefault);
        Assert.Equal(new PlaygroundState { Site = PlaygroundSite.TensorFlow, Seed = "0.37934", NetworkShape = state.NetworkShape }, state);
        Assert.Equal([4.0, 2.0], state.NetworkShape);
    }

    [Fact]
    public void Url_without_state_keeps_every_default()
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/");
        Assert.Equal("tanh", state.Activation);
        Assert.Equal("circle", state.Dataset);
        Assert.Equal([4.0, 2.0], state.NetworkShape);
        Assert.Null(state.Seed);
    }

    [Theory]
    [InlineData("https://playground.tensorflow.org/#activation=relu", "relu")]
    [InlineData("https://playground.tensorflow.org/#activation=sigmoid", "sigmoid")]
    [InlineData("https://playground.tensorflow.org/#activation=linear", "linear")]
    [InlineData("https://playground.tensorflow.org/#activation=elu", "tanh")]     // the fork's, unknown upstream
    [InlineData("https://playground.tensorflow.org/#activation=swish", "tanh")]
    [InlineData("https://playground.tensorflow.org/#activation=", "tanh")]
    [InlineData(Fork + "#activation=elu", "elu")]
    [InlineData(Fork + "#activation=selu", "selu")]
    [InlineData(Fork + "#activation=softplus", "softplus")]
    [InlineData(Fork + "#activation=softsign", "softsign")]
    public void Activations_known_to_the_site_are_taken_and_others_keep_the_default(string url, string expected)
    {
        Assert.Equal(expected, PlaygroundState.Parse(url).Activation);
    }

    [Fact]
    public void Unknown_values_keep_defaults_as_the_playground_does()
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#dataset=moons&problem=ranking&regularization=L3&regDataset=reg-argmax&x");
        Assert.Equal("circle", state.Dataset);
        Assert.Equal("classification", state.Problem);
        Assert.Null(state.Regularization);
        Assert.Equal("reg-plane", state.RegDataset);
        Assert.True(state.X);
    }

    [Fact]
    public void Regularization_features_and_numbers_are_read()
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#regularization=L2&regularizationRate=0.003&noise=35" +
            "&percTrainData=70&batchSize=25&learningRate=0.1&x=false&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true");
        Assert.Equal("L2", state.Regularization);
        Assert.Equal(0.003, state.RegularizationRate);
        Assert.Equal(35, state.Noise);
        Assert.Equal(70, state.PercTrainData);
        Assert.Equal(25, state.BatchSize);
        Assert.False(state.X);
        Assert.True(state.Y && state.XSquared && state.YSquared && state.XTimesY && state.SinX && state.SinY);
    }

    [Fact]
    public void Empty_network_shape_means_no_hidden_layer()
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#networkShape=&activation=linear&dataset=xor");
        Assert.Empty(state.NetworkShape);
        var spec = PlaygroundSpec.ToJobSpec(state, 100).Spec;
        Assert.Equal([new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)], spec.Network.Layers);
    }

    [Fact]
    public void A_number_that_is_not_one_is_nan_and_validation_names_it()
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#learningRate=fast");
        Assert.True(double.IsNaN(state.LearningRate));
        var errors = PlaygroundSpec.ToJobSpec(state, 100).Spec.Validate(new SpecLimits());
        Assert.Contains("optimizer.learningRate", errors.Keys);
    }

    [Fact]
    public void Fork_options_are_read_on_the_fork_only()
    {
        var fork = PlaygroundState.Parse(Fork + "#loss=mae&batchFull=true&initOrigin=true");
        Assert.Equal(("mae", true, true), (fork.Loss, fork.BatchFull, fork.InitOrigin));
        var upstream = PlaygroundState.Parse("https://playground.tensorflow.org/#loss=mae&batchFull=true&initOrigin=true");
        Assert.Equal(("mse", false, false), (upstream.Loss, upstream.BatchFull, upstream.InitOrigin));
    }

    [Theory]
    [InlineData("https://example.com/#activation=relu")]
    [InlineData("https://deepinsider.github.io/other/#activation=relu")]
    [InlineData("not a url")]
    [InlineData("ftp://playground.tensorflow.org/")]
    public void Foreign_or_malformed_urls_are_refused(string url)
    {
        Assert.Throws<PlaygroundUrlException>(() => PlaygroundState.Parse(url));
    }

    [Fact]
    public void Upstream_setting_becomes_the_same_network_data_and_update_rule()
    {
        var result = PlaygroundSpec.ToJobSpec(PlaygroundState.Parse(UpstreamDefault.Replace("dataset=circle", "dataset=xor")), 300);
        var spec = result.Spec;

        Assert.Equal(PlaygroundGenerator.Xor, result.Dataset.Generator);
        Assert.Equal(500, result.Dataset.SampleCount);
        Assert.Equal([InputFeature.X1, InputFeature.X2], result.Dataset.Features);
        Assert.Equal(
            [new DenseLayer(4), new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(2), new ActivationLayer(ActivationFunction.Tanh),
             new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)],
            spec.Network.Layers);
        Assert.Equal(new InitSpec(InitKind.Playground), spec.Network.Init);
        Assert.Equal("0.37934", result.Dataset.SeedText);
        Assert.False(spec.Training.Shuffle);
        Assert.Equal(new OptimizerSpec { Kind = OptimizerKind.Sgd, LearningRate = 0.03 }, spec.Optimizer);
        Assert.Equal(LossFunction.HalfMse, spec.Training.Loss);
        Assert.Equal(10, spec.Training.BatchSize.Size);
        Assert.Equal(300, spec.Training.Epochs);
        Assert.Equal(PlaygroundSpec.StableSeed("0.37934"), spec.Dataset.Seed);
        Assert.Empty(spec.Validate(new SpecLimits()));
    }

    [Fact]
    public void Fork_uses_glorot_and_zero_biases_unless_init_origin_and_full_batch()
    {
        var glorot = PlaygroundSpec.ToJobSpec(PlaygroundState.Parse(Fork + "#batchFull=true&loss=mae"), 10).Spec;
        Assert.Equal(InitKind.Xavier, glorot.Network.Init!.Kind);
        Assert.Equal(0, glorot.Network.Init.BiasValue);
        Assert.True(glorot.Training.BatchSize.IsFull);
        Assert.Equal(LossFunction.Mae, glorot.Training.Loss);
        var origin = PlaygroundSpec.ToJobSpec(PlaygroundState.Parse(Fork + "#initOrigin=true"), 10).Spec;
        Assert.Equal(new InitSpec(InitKind.Playground), origin.Network.Init);
    }

    [Fact]
    public void Regression_gets_a_linear_output_and_its_data_set()
    {
        var result = PlaygroundSpec.ToJobSpec(PlaygroundState.Parse("https://playground.tensorflow.org/#problem=regression&regDataset=reg-gauss"), 10);
        var spec = result.Spec;
        Assert.Equal(PlaygroundGenerator.MultiGauss, result.Dataset.Generator);
        Assert.Equal(1200, result.Dataset.SampleCount);
        Assert.Equal(new ActivationLayer(ActivationFunction.Identity), spec.Network.Layers[^1]);
    }

    [Theory]
    [InlineData("networkShape=4,x")]
    [InlineData("networkShape=2.5")]
    [InlineData("batchSize=0")]
    [InlineData("percTrainData=33.3")]
    public void Values_no_network_can_have_are_refused_naming_them(string fragment)
    {
        var state = PlaygroundState.Parse("https://playground.tensorflow.org/#" + fragment);
        var error = Assert.Throws<PlaygroundUrlException>(() => PlaygroundSpec.ToJobSpec(state, 10));
        Assert.Contains(fragment.Split('=')[0], error.Message);
    }

    [Theory]
    [InlineData(" 12 ", 12)]
    [InlineData("", 0)]
    [InlineData("0x1A", 26)]
    [InlineData("1e-3", 0.001)]
    [InlineData("-Infinity", double.NegativeInfinity)]
    public void Numbers_follow_javascript(string text, double expected)
    {
        Assert.Equal(expected, PlaygroundState.JsNumber(text));
    }
}
