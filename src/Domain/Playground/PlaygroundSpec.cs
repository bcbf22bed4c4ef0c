using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Playground;

/// <summary>
/// Turns a playground URL's state into a Dojo job spec that trains the same setting: the data set
/// formula, sample count, noise, train share and input features; the hidden layers and activation
/// with the playground's output (tanh over ±1 labels for classification, linear for regression); its
/// square loss ½(o − t)² (the fork's mae), plain SGD with its learning rate, L1/L2 and batch size; and
/// its initialisation (upstream: U(−0.5, 0.5) weights from the data's random stream, biases 0.1; the
/// fork: Glorot uniform, biases 0, unless initOrigin); the training data walked in the order of the
/// page's single shuffle. A URL carries no epoch count: the caller gives it (an exercise's budget).
/// </summary>
public static class PlaygroundSpec
{
    public sealed record Result(SupervisedSpec Spec, IReadOnlyList<string> Notes)
    {
        public PlaygroundDatasetSpec Dataset => (PlaygroundDatasetSpec)Spec.Dataset;
    }

    public static Result ToJobSpec(PlaygroundState state, int epochs)
    {
        var notes = new List<string>();
        bool regression = state.Problem == "regression";

        var features = state.Features();

        int seed = 1;
        if (state.Seed is null) notes.Add("the URL has no seed (the playground then picks one at random); seed 1 is used");
        else seed = StableSeed(state.Seed);

        var activation = state.Activation switch
        {
            "relu" => ActivationFunction.Relu,
            "sigmoid" => ActivationFunction.Sigmoid,
            "linear" => ActivationFunction.Identity,
            "elu" => ActivationFunction.Elu,
            "selu" => ActivationFunction.Selu,
            "softplus" => ActivationFunction.Softplus,
            "softsign" => ActivationFunction.Softsign,
            _ => ActivationFunction.Tanh,
        };
        var layers = new List<LayerSpec>();
        foreach (double units in state.NetworkShape)
        {
            if (!(units >= 1) || units != Math.Floor(units) || units > 1_000_000)
                throw new PlaygroundUrlException($"networkShape has '{units}', not a whole number of neurons");
            layers.Add(new DenseLayer((int)units));
            layers.Add(new ActivationLayer(activation));
        }
        layers.Add(new DenseLayer(1));
        layers.Add(new ActivationLayer(regression ? ActivationFunction.Identity : ActivationFunction.Tanh));

        bool upstreamInit = state.Site == PlaygroundSite.TensorFlow || state.InitOrigin;
        var init = state.InitZero ? new InitSpec(InitKind.Zeros) { BiasValue = upstreamInit ? 0.1 : 0 }
            : upstreamInit ? new InitSpec(InitKind.Playground)
            : new InitSpec(InitKind.Xavier) { Distribution = InitDistribution.Uniform };

        if (!double.IsFinite(state.BatchSize) || state.BatchSize < 1 || state.BatchSize != Math.Floor(state.BatchSize))
            throw new PlaygroundUrlException($"batchSize '{state.BatchSize}' is not a whole number of samples");
        if (!double.IsFinite(state.PercTrainData) || state.PercTrainData != Math.Floor(state.PercTrainData))
            throw new PlaygroundUrlException($"percTrainData '{state.PercTrainData}' is not a whole percentage");

        var spec = new SupervisedSpec
        {
            Dataset = new PlaygroundDatasetSpec
            {
                Generator = state.Generator(),
                Noise = state.Noise,
                TrainPercent = (int)state.PercTrainData,
                Seed = seed,
                SeedText = state.Seed,
                Features = features,
            },
            Network = new NetworkSpec { Layers = layers, Init = init },
            Optimizer = new OptimizerSpec
            {
                Kind = OptimizerKind.Sgd,
                LearningRate = state.LearningRate,
                L1 = state.Regularization == "L1" ? state.RegularizationRate : 0,
                L2 = state.Regularization == "L2" ? state.RegularizationRate : 0,
            },
            Training = new TrainingSpec
            {
                Loss = state.Loss == "mae" ? LossFunction.Mae : LossFunction.HalfMse,
                BatchSize = state.BatchFull ? BatchSize.Full : new BatchSize((int)state.BatchSize),
                Epochs = epochs,
                Seed = seed,
                Device = DeviceName.Cpu,
                Shuffle = false,
            },
        };
        notes.Add("the data set (and, with the playground's own initialisation, the starting weights) come from the URL's seed " +
                  "through seedrandom's stream, as on the page; Dojo computes in float32 where the page uses float64");
        if (!upstreamInit && !state.InitZero)
            notes.Add("the fork's Glorot initialisation is drawn from Dojo's stream, not the page's: the same distribution, other numbers");
        return new Result(spec, notes);
    }

    /// <summary>The URL's seed text as a whole number, the same on every machine (FNV-1a; never string.GetHashCode).</summary>
    public static int StableSeed(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = (hash ^ c) * 16777619;
        return (int)(hash & int.MaxValue);
    }
}
