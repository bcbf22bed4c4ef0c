using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;
using static TorchSharp.torch;

namespace Dojo.Api.Tests;

/// <summary>
/// Every loss, activation, layer, initialisation and normalisation the README lists trains in a small job whose result
/// shows it worked: the loss falls (or held-out accuracy passes a bar), or, where the course says it cannot learn
/// (the step function), its weights stay exactly where they started.
/// </summary>
public sealed class SpecOptionTests
{
    private static readonly PlaygroundDatasetSpec Circle = new() { Generator = PlaygroundGenerator.Circle, Samples = 300, Seed = 4 };

    private static SupervisedSpec Playground(IReadOnlyList<LayerSpec> layers, LossFunction loss = LossFunction.Mse, PlaygroundDatasetSpec? dataset = null,
        InitSpec? init = null, int epochs = 30) => new()
    {
        Dataset = dataset ?? Circle,
        Network = new NetworkSpec { Layers = layers, Init = init },
        Optimizer = new OptimizerSpec { Kind = OptimizerKind.Adam, LearningRate = 0.03 },
        Training = new TrainingSpec { Loss = loss, Epochs = epochs, BatchSize = new BatchSize(16), Seed = 2 },
    };

    private static (RecordingSession Session, TrainingOutcome.Completed Outcome) Train(SupervisedSpec spec)
    {
        var session = new RecordingSession(spec);
        return (session, Assert.IsType<TrainingOutcome.Completed>(new SupervisedTrainer(new DeviceResolver()).Train(session)));
    }

    private static double Metric(RecordingSession session, Index epoch, string name) => session.Epochs[epoch].Metrics.Single(m => m.Name == name).Value;

    private static double Final(TrainingOutcome.Completed outcome, string name) => outcome.Final.Single(m => m.Name == name).Value;

    public static TheoryData<string> Losses => new() { "mae", "huber", "binaryCrossEntropy" };

    [Theory]
    [MemberData(nameof(Losses))]
    public void Each_loss_trains_a_classifier(string name)
    {
        var loss = SpecJson.ParseName<LossFunction>(name)!.Value;
        LayerSpec output = loss == LossFunction.BinaryCrossEntropy ? new ActivationLayer(ActivationFunction.Sigmoid) : new ActivationLayer(ActivationFunction.Tanh);
        var (session, outcome) = Train(Playground([new DenseLayer(8), new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(1), output], loss));

        Assert.True(Metric(session, ^1, MetricNames.Loss) < 0.7 * Metric(session, 0, MetricNames.Loss), $"{name}: loss {Metric(session, 0, MetricNames.Loss)} -> {Metric(session, ^1, MetricNames.Loss)}");
        Assert.True(Final(outcome, MetricNames.TestAccuracy) >= 0.85, $"{name}: test accuracy {Final(outcome, MetricNames.TestAccuracy)}");
    }

    public static TheoryData<string> Activations => new() { "elu", "selu", "softplus", "softsign" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Each_activation_trains_a_hidden_layer(string name)
    {
        var activation = SpecJson.ParseName<ActivationFunction>(name)!.Value;
        var (_, outcome) = Train(Playground([new DenseLayer(8), new ActivationLayer(activation), new DenseLayer(8), new ActivationLayer(activation),
            new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)]));
        Assert.True(Final(outcome, MetricNames.TestAccuracy) >= 0.85, $"{name}: test accuracy {Final(outcome, MetricNames.TestAccuracy)}");
    }

    [Fact]
    public void The_identity_activation_fits_a_plane_exactly_as_linear_regression_does()
    {
        var plane = new PlaygroundDatasetSpec { Generator = PlaygroundGenerator.Plane, Samples = 300, Seed = 4 };
        var (_, outcome) = Train(Playground([new DenseLayer(4), new ActivationLayer(ActivationFunction.Identity), new DenseLayer(1)], dataset: plane, epochs: 60));
        Assert.True(Final(outcome, MetricNames.TestLoss) < 1e-4, $"test loss {Final(outcome, MetricNames.TestLoss)}"); // the plane's labels are (x + y) / 10
    }

    [Fact]
    public void The_step_activation_passes_no_gradient_so_the_layers_before_it_never_move()
    {
        var spec = Playground([new DenseLayer(6) { Name = "before" }, new ActivationLayer(ActivationFunction.Step), new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)], epochs: 5);
        var (session, outcome) = Train(spec);
        var afterOneEpoch = session.Epochs[0].Checkpoint.State;

        Assert.Equal(Weight(afterOneEpoch, "dense0.weight", spec), Weight(outcome, "dense0.weight", spec));
        Assert.NotEqual(Weight(afterOneEpoch, "dense2.weight", spec), Weight(outcome, "dense2.weight", spec)); // the layer after it learns
    }

    [Fact]
    public void Zero_initialisation_never_breaks_symmetry_every_weight_stays_zero()
    {
        var spec = Playground([new DenseLayer(4), new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)],
            init: new InitSpec(InitKind.Zeros));
        var (_, outcome) = Train(spec);
        Assert.All(Weight(outcome, "dense0.weight", spec), w => Assert.Equal(0f, w));
        Assert.All(Weight(outcome, "dense2.weight", spec), w => Assert.Equal(0f, w)); // tanh(0) = 0 feeds it nothing to learn from
    }

    [Fact]
    public void Uniform_initialisation_trains()
    {
        var (_, outcome) = Train(Playground([new DenseLayer(8), new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)],
            init: new InitSpec(InitKind.Uniform) { A = -1, B = 1 }));
        Assert.True(Final(outcome, MetricNames.TestAccuracy) >= 0.85, $"uniform: test accuracy {Final(outcome, MetricNames.TestAccuracy)}");
    }

    [Fact]
    public void Average_and_global_average_pooling_train_on_images_with_raw_pixels()
    {
        var spec = new SupervisedSpec
        {
            Dataset = new BuiltinDatasetSpec { Name = BuiltinDataset.Digits, TrainCount = 800, TestCount = 300, Normalization = Normalization.None, Seed = 3 },
            Network = new NetworkSpec { Layers = [new Conv2dLayer(8, 3) { Padding = Padding.SameSize }, new ActivationLayer(ActivationFunction.Relu), new AvgPool2dLayer(2),
                new Conv2dLayer(16, 3) { Padding = Padding.SameSize }, new ActivationLayer(ActivationFunction.Relu), new GlobalAvgPoolLayer(), new DenseLayer(10)] },
            Optimizer = new OptimizerSpec { Kind = OptimizerKind.Adam, LearningRate = 0.01 },
            Training = new TrainingSpec { Loss = LossFunction.CrossEntropy, Epochs = 12, BatchSize = new BatchSize(32), Seed = 3 },
        };
        var (_, outcome) = Train(spec);
        Assert.True(Final(outcome, MetricNames.TestAccuracy) >= 0.6, $"test accuracy {Final(outcome, MetricNames.TestAccuracy)} (chance 0.1)");
    }

    private static float[] Weight(TrainingOutcome.Completed outcome, string key, SupervisedSpec spec) => Weight(outcome.Model().TorchSharp, key, spec);

    private static float[] Weight(TrainingState state, string key, SupervisedSpec spec)
    {
        using var net = ModelBuilder.Build(new OutputHead(spec).Network, spec.Dataset.SampleShape(), NetworkInit.ForLoading).Net;
        using var reader = new BinaryReader(new MemoryStream(state.Networks.Single().State));
        net.load(reader);
        return net.state_dict()[key].data<float>().ToArray();
    }

    private static float[] Weight(byte[] weights, string key, SupervisedSpec spec)
    {
        using var net = ModelBuilder.Build(new OutputHead(spec).Network, spec.Dataset.SampleShape(), NetworkInit.ForLoading).Net;
        net.load(new MemoryStream(weights));
        return net.state_dict()[key].data<float>().ToArray();
    }
}
