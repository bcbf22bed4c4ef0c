using System.Runtime.CompilerServices;
using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Playground;

/// <summary>A split's figures after an epoch, as the page computes its loss: the mean error over every example; and the share classified right (the sign of the output).</summary>
public readonly record struct PageFigures(double Loss, double? Accuracy);

/// <summary>
/// One run of a playground URL as the page makes it (tensorflow/playground <c>src/playground.ts</c>): seedrandom seeded
/// with the seed text draws the data set, shuffles it, splits it, then draws the weights; each epoch walks the
/// training points in order — forward, backward, and an update after every <c>batchSize</c> points (upstream carries
/// a last partial batch into the next epoch; the fork updates it at the epoch's end; <c>batchFull</c> is one update
/// per epoch) — and then the loss is computed over each whole split.
/// </summary>
public sealed class PageRun
{
    private readonly PlaygroundState _state;
    private readonly double[][] _trainInputs, _testInputs;
    private readonly double[] _trainLabels, _testLabels;
    private readonly List<InputFeature> _features;

    /// <param name="seed">The seed text, as the page's URL carries it (its <c>seed=</c>).</param>
    public PageRun(PlaygroundState state, string seed)
    {
        _state = state;
        bool regression = IsRegression;
        var stream = new SeedRandom(seed);
        (TrainPoints, TestPoints) = PlaygroundData.Split(state.Generator(), regression ? 1200 : 500, state.Noise / 100, state.PercTrainData, stream);
        _features = state.Features();
        double[] Input(Example2D p) => [.. _features.Select(f => PlaygroundData.Feature(f, p.X, p.Y))];
        (_trainInputs, _trainLabels) = ([.. TrainPoints.Select(Input)], [.. TrainPoints.Select(p => p.Label)]);
        (_testInputs, _testLabels) = ([.. TestPoints.Select(Input)], [.. TestPoints.Select(p => p.Label)]);

        int[] shape = [_features.Count, .. state.NetworkShape.Select(n => (int)n), 1];
        var init = state.InitZero ? PageInit.Zero : state.Site == PlaygroundSite.DeepInsider && !state.InitOrigin ? PageInit.Glorot : PageInit.Upstream;
        Network = new PageNetwork(shape, Activation(state.Activation), regression ? PageActivation.Linear : PageActivation.Tanh,
            state.Regularization switch { "L1" => PageRegularization.L1, "L2" => PageRegularization.L2, _ => PageRegularization.None },
            state.Loss == "mae" ? PageLoss.Absolute : PageLoss.Square, init, stream);
    }

    public PageNetwork Network { get; }
    public IReadOnlyList<Example2D> TrainPoints { get; }
    public IReadOnlyList<Example2D> TestPoints { get; }

    /// <summary>The network's outputs at points of the plane (what the page's heat map shows), run forward in chunks.</summary>
    public double[] Outputs(IReadOnlyList<(double X, double Y)> points) =>
        OutputsOf([.. points.Select(p => _features.Select(f => PlaygroundData.Feature(f, p.X, p.Y)).ToArray())]);

    /// <summary>The outputs for many inputs with the present weights, run forward in chunks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double[] OutputsOf(double[][] inputs)
    {
        var outputs = new double[inputs.Length];
        for (int start = 0; start < inputs.Length; start += PageNetwork.Chunk)
        {
            int count = Math.Min(PageNetwork.Chunk, inputs.Length - start);
            Network.Forward(inputs, start, count);
            for (int k = 0; k < count; k++) outputs[start + k] = Network.Output(k);
        }
        return outputs;
    }

    public bool IsRegression => _state.Problem == "regression";
    public int TrainCount => _trainLabels.Length;
    public int TestCount => _testLabels.Length;

    /// <summary>
    /// The page's one step: every training point once, in order, updating after each batch. The points between two updates
    /// meet the same weights, so they go forward together (<see cref="PageNetwork.Chunk"/> at most), then back one by one
    /// in the page's order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Epoch()
    {
        var state = _state;
        bool fork = state.Site == PlaygroundSite.DeepInsider;
        double batch = state.BatchFull ? _trainLabels.Length : state.BatchSize;
        for (int start = 0; start < _trainInputs.Length;)
        {
            int end = start; // the last point before the next update, or of the chunk
            while (end + 1 < _trainInputs.Length && end - start + 1 < PageNetwork.Chunk && (end + 1) % batch != 0) end++;
            Network.Forward(_trainInputs, start, end - start + 1);
            for (int i = start; i <= end; i++)
            {
                Network.Backward(_trainLabels[i], i - start);
                if ((i + 1) % batch == 0) Network.Update(state.LearningRate, state.RegularizationRate);
            }
            start = end + 1;
        }
        if (fork && _trainInputs.Length % batch != 0) Network.Update(state.LearningRate, state.RegularizationRate);
    }

    public PageFigures Train() => Figures(_trainInputs, _trainLabels);

    public PageFigures Test() => Figures(_testInputs, _testLabels);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private PageFigures Figures(double[][] inputs, double[] labels)
    {
        double loss = 0;
        int right = 0;
        var outputs = OutputsOf(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            loss += Network.Error(outputs[i], labels[i]);
            if ((outputs[i] >= 0 ? 1 : -1) == labels[i]) right++;
        }
        return new PageFigures(loss / inputs.Length, IsRegression || inputs.Length == 0 ? null : (double)right / inputs.Length);
    }

    private static PageActivation Activation(string name) => name switch
    {
        "relu" => PageActivation.Relu,
        "sigmoid" => PageActivation.Sigmoid,
        "linear" => PageActivation.Linear,
        "elu" => PageActivation.Elu,
        "selu" => PageActivation.Selu,
        "softplus" => PageActivation.Softplus,
        "softsign" => PageActivation.Softsign,
        _ => PageActivation.Tanh,
    };
}
