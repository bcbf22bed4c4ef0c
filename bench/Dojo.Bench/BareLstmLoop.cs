using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Bench;

/// <summary>
/// The peer of a Dojo LSTM job on images read row by row: a plain TorchSharp loop with the same data (loaded by the
/// same reader), an LSTM over the rows, its last step into a linear head, cross-entropy on the logits, Adam, the same
/// batches and epochs, held-out loss and accuracy each epoch, and at the end on the test images and the training set
/// (the figures a Dojo job reports) — without the job machinery. One thread, as the worker runs.
/// </summary>
public static class BareLstmLoop
{
    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.LSTM _lstm;
        private readonly TorchSharp.Modules.Linear _head;

        public Net(long features, long hidden, long classes) : base("bare_lstm")
        {
            _lstm = nn.LSTM(features, hidden, batchFirst: true);
            _head = nn.Linear(hidden, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            var (output, h, c) = _lstm.forward(x);
            using (h) using (c)
            using (output)
            using (var last = output.select(1, -1))
                return _head.forward(last);
        }
    }

    public static TimeSpan Train(SupervisedSpec spec, string builtinDirectory)
    {
        var clock = Stopwatch.StartNew();
        var data = TrainingData.Load(spec.Dataset, builtinDirectory);
        var lstm = (LstmLayer)spec.Network.Layers[0];
        using var net = new Net(data.SampleShape[1], lstm.HiddenSize, data.Classes);
        using var optimizer = optim.Adam(net.parameters(), spec.Optimizer.LearningRate);
        (Tensor X, Tensor Y) Tensors(DataSplit split) =>
            (tensor(split.Features, [split.Count, data.SampleShape[0], data.SampleShape[1]]), tensor(split.Labels.Select(l => (long)l).ToArray()));
        var (x, y) = Tensors(data.Train);
        var (validationX, validationY) = Tensors(data.Validation);
        var (testX, testY) = Tensors(data.Test);
        int n = data.Train.Count, batch = spec.Training.BatchSize.Resolve(n);
        var random = new Random(spec.Training.Seed);
        var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        for (int epoch = 1; epoch <= spec.Training.Epochs; epoch++)
        {
            random.Shuffle(order);
            double sum = 0;
            using var correct = zeros(1, dtype: ScalarType.Int64);
            net.train();
            for (int start = 0; start < n; start += batch)
            {
                using var scope = NewDisposeScope();
                int size = Math.Min(batch, n - start);
                using var index = tensor(order.AsSpan(start, size).ToArray());
                optimizer.zero_grad();
                var target = y.index_select(0, index);
                var output = net.forward(x.index_select(0, index));
                var loss = nn.functional.cross_entropy(output, target);
                sum += loss.item<float>() * size;
                correct.add_(output.detach().argmax(1).eq(target).sum());
                loss.backward();
                optimizer.step();
            }
            _ = (sum / n, correct.item<long>() / (double)n, Evaluate(net, validationX, validationY));
        }
        _ = (Evaluate(net, testX, testY), Evaluate(net, x, y)); // the final figures a Dojo job reports: test, and the training set's
        foreach (var t in new[] { x, y, validationX, validationY, testX, testY }) t.Dispose();
        return clock.Elapsed;
    }

    private static (double Loss, double Accuracy) Evaluate(Net net, Tensor x, Tensor y)
    {
        net.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var output = net.forward(x);
        return (nn.functional.cross_entropy(output, y).item<float>(), output.argmax(1).eq(y).sum().item<long>() / (double)y.shape[0]);
    }
}
