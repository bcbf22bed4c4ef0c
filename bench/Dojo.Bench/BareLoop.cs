using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Bench;

/// <summary>
/// The peer of a Dojo job: a plain TorchSharp loop doing the same work — same data, network shape,
/// optimizer, batches and epochs, and the same per-epoch figures a hand-written loop would print
/// (running loss and accuracy, held-out loss and accuracy) — without the job machinery: no claim,
/// no checkpoints, no metric storage. One thread, as the worker runs.
/// </summary>
public static class BareLoop
{
    public static TimeSpan Train(SupervisedSpec spec)
    {
        var clock = Stopwatch.StartNew();
        var dataset = (PlaygroundDatasetSpec)spec.Dataset;
        var data = PlaygroundData.Generate(dataset);
        var modules = new List<nn.Module<Tensor, Tensor>>();
        long width = dataset.Features.Count;
        foreach (var layer in spec.Network.Layers)
        {
            switch (layer)
            {
                case DenseLayer dense: modules.Add(nn.Linear(width, dense.Units)); width = dense.Units; break;
                case ActivationLayer { Function: ActivationFunction.Tanh }: modules.Add(nn.Tanh()); break;
                case ActivationLayer { Function: ActivationFunction.Relu }: modules.Add(nn.ReLU()); break;
                default: throw new NotSupportedException(layer.ToString());
            }
        }
        using var net = nn.Sequential(modules);
        using var optimizer = spec.Optimizer.Kind == OptimizerKind.Adam
            ? (optim.Optimizer)optim.Adam(net.parameters(), spec.Optimizer.LearningRate)
            : optim.SGD(net.parameters(), spec.Optimizer.LearningRate);
        using var x = tensor(data.Train.Features, [data.Train.Count, data.Train.FeatureCount]);
        using var y = tensor(data.Train.Labels).unsqueeze(1);
        using var testX = tensor(data.Test.Features, [data.Test.Count, data.Test.FeatureCount]);
        using var testY = tensor(data.Test.Labels).unsqueeze(1);
        int n = data.Train.Count, batch = spec.Training.BatchSize.Resolve(n);
        var random = new Random(spec.Training.Seed);
        var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        for (int epoch = 1; epoch <= spec.Training.Epochs; epoch++)
        {
            var (loss, accuracy) = BareNetLoop.Epoch(net, optimizer, x, y, order, batch, random,
                (output, target) => nn.functional.mse_loss(output, target), (output, target) => output.ge(0).eq(target.gt(0)));
            net.eval();
            using (no_grad())
            using (var scope = NewDisposeScope())
            {
                var output = net.forward(testX);
                double valLoss = nn.functional.mse_loss(output, testY).item<float>();
                double valAccuracy = output.ge(0).eq(testY.gt(0)).sum().item<long>() / (double)data.Test.Count;
                _ = (loss, accuracy, valLoss, valAccuracy);
            }
        }
        return clock.Elapsed;
    }
}
