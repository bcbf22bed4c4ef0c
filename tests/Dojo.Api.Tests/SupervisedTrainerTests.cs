using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;

namespace Dojo.Api.Tests;

/// <summary>The trainer itself, with real TorchSharp, outside the job machinery.</summary>
public sealed class SupervisedTrainerTests
{
    private static SupervisedSpec Spec(OptimizerKind optimizer, params LayerSpec[] extra) => new()
    {
        Dataset = new PlaygroundDatasetSpec { Generator = PlaygroundGenerator.Circle, Samples = 200, Noise = 10 },
        Network = new NetworkSpec { Layers = [new DenseLayer(6), .. extra, new ActivationLayer(ActivationFunction.Tanh), new DenseLayer(1), new ActivationLayer(ActivationFunction.Tanh)] },
        Optimizer = new OptimizerSpec { Kind = optimizer, LearningRate = 0.02 },
        Training = new TrainingSpec { Epochs = 6, BatchSize = new BatchSize(8), Seed = 3 },
    };

    public static TheoryData<OptimizerKind, bool> Setups => new()
    {
        { OptimizerKind.Adam, false }, { OptimizerKind.Momentum, false }, { OptimizerKind.Rmsprop, true }, { OptimizerKind.Adagrad, false },
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public void Resuming_from_a_checkpoint_ends_exactly_like_an_uninterrupted_run(OptimizerKind optimizer, bool withDropoutAndBatchNorm)
    {
        LayerSpec[] extra = withDropoutAndBatchNorm ? [new BatchNormLayer(), new DropoutLayer(0.3)] : [];
        var spec = Spec(optimizer, extra);
        var trainer = new SupervisedTrainer(new DeviceResolver());
        var full = new RecordingSession(spec);
        var uninterrupted = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(full));

        var resumedSession = new RecordingSession(spec, full.Epochs[2].Checkpoint);
        var resumed = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(resumedSession));

        Assert.Equal([4, 5, 6], resumedSession.Epochs.Select(e => e.Epoch));
        Assert.Equal(full.Epochs[^1].Metrics.Where(m => m.Name != MetricNames.SamplesPerSec),
                     resumedSession.Epochs[^1].Metrics.Where(m => m.Name != MetricNames.SamplesPerSec));
        Assert.Equal(uninterrupted.Final, resumed.Final);
        Assert.Equal(uninterrupted.Model().TorchSharp, resumed.Model().TorchSharp);
    }

    /// <summary>The specs whose resume the job machinery relies on beyond the playground's: images, playground init, L1 + L2, transfer, recurrent.</summary>
    public static TheoryData<string> Kinds => new() { "image", "playground init", "l1 and l2", "transfer", "recurrent" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_of_supervised_job_resumes_bit_identically(string kind)
    {
        var digits = new SupervisedSpec
        {
            Dataset = new BuiltinDatasetSpec { Name = Domain.Datasets.BuiltinDataset.Digits, TrainCount = 400, TestCount = 100, Seed = 2 },
            Network = new NetworkSpec { Layers = [new Conv2dLayer(4, 3) { Name = "features" }, new ActivationLayer(ActivationFunction.Relu), new AvgPool2dLayer(2),
                new BatchNormLayer(), new FlattenLayer(), new DenseLayer(10)] },
            Optimizer = new OptimizerSpec { Kind = OptimizerKind.Adam, LearningRate = 0.01 },
            Training = new TrainingSpec { Loss = LossFunction.CrossEntropy, Epochs = 4, BatchSize = new BatchSize(32), Seed = 5 },
        };
        TransferSource? transfer = null;
        var spec = kind switch
        {
            "image" => digits,
            "playground init" => Domain.Playground.PlaygroundSpec.ToJobSpec(
                Domain.Playground.PlaygroundState.Parse("https://playground.tensorflow.org/#dataset=circle&networkShape=4,2&seed=0.5&batchSize=5"), 4).Spec,
            // Stacked bidirectional cells with dropout between them: the masks must come from the job's generator.
            "recurrent" => digits with
            {
                Dataset = ((BuiltinDatasetSpec)digits.Dataset) with { AsSequence = true },
                Network = new NetworkSpec { Layers = [new GruLayer(12) { Layers = 2, Dropout = 0.3, Bidirectional = true, ReturnSequences = true },
                    new LstmLayer(8), new DropoutLayer(0.2), new DenseLayer(10)] },
            },
            "l1 and l2" => Spec(OptimizerKind.Momentum, new DropoutLayer(0.1)) with { Optimizer = new OptimizerSpec { Kind = OptimizerKind.Momentum, LearningRate = 0.02, L1 = 0.001, L2 = 0.01 } },
            _ => digits with { Network = digits.Network with { Transfer = new TransferSpec(Guid.NewGuid(), Keep: 4) { FreezeFirst = 1, FineTuneLearningRate = 0.001 } } },
        };
        var trainer = new SupervisedTrainer(new DeviceResolver());
        if (kind == "transfer")
        {
            var source = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(new RecordingSession(digits with { Training = digits.Training with { Epochs = 2 } })));
            transfer = new TransferSource(digits, _ => source.Model().TorchSharp);
        }

        var full = new RecordingSession(spec, transfer: transfer);
        var uninterrupted = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(full));
        var resumedSession = new RecordingSession(spec, full.Epochs[1].Checkpoint); // a resumed job takes everything from its checkpoint
        var resumed = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(resumedSession));

        Assert.Equal(full.Epochs.Skip(2).Select(e => e.Metrics.Where(m => m.Name != MetricNames.SamplesPerSec)),
                     resumedSession.Epochs.Select(e => e.Metrics.Where(m => m.Name != MetricNames.SamplesPerSec)));
        Assert.Equal(uninterrupted.Final, resumed.Final);
        Assert.Equal(uninterrupted.Model().TorchSharp, resumed.Model().TorchSharp);
    }

    [Fact]
    public void Same_seed_trains_the_same_weights_and_another_seed_does_not()
    {
        var spec = Spec(OptimizerKind.Sgd, new DropoutLayer(0.2));
        var trainer = new SupervisedTrainer(new DeviceResolver());
        var first = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(new RecordingSession(spec)));
        var again = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(new RecordingSession(spec)));
        var other = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(new RecordingSession(spec with { Training = spec.Training with { Seed = 4 } })));

        Assert.Equal(first.Model().TorchSharp, again.Model().TorchSharp);
        Assert.NotEqual(first.Model().TorchSharp, other.Model().TorchSharp);
    }

    [Fact]
    public void Loss_falls_and_held_out_accuracy_rises_on_circle()
    {
        var spec = Spec(OptimizerKind.Adam) with { Training = new TrainingSpec { Epochs = 40, BatchSize = new BatchSize(8), Seed = 3 } };
        var session = new RecordingSession(spec);
        var outcome = Assert.IsType<TrainingOutcome.Completed>(new SupervisedTrainer(new DeviceResolver()).Train(session));

        double Loss(int i) => session.Epochs[i].Metrics.Single(m => m.Name == MetricNames.Loss).Value;
        Assert.True(Loss(39) < Loss(0) / 2, $"loss {Loss(0)} -> {Loss(39)}");
        Assert.True(outcome.Final.Single(m => m.Name == MetricNames.TestAccuracy).Value >= 0.9);
    }
}
