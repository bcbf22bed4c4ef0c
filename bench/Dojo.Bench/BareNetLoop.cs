using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Bench;

/// <summary>
/// The TorchSharp peer of a Dojo job on images: a plain loop a C# programmer would write with TorchSharp's own modules
/// and optimizers — the same data (loaded by the same reader), layers (dense, conv2d, maxPool2d, flatten, activations,
/// an LSTM or GRU over the rows), optimizer, batches and epochs, held-out loss and accuracy each epoch, and at the end
/// the test set's and the training set's (the figures a Dojo job reports) — without the job machinery. One thread, as the
/// worker runs.
/// </summary>
public static class BareNetLoop
{
    /// <summary>An LSTM over the rows, its last step's output.</summary>
    private sealed class Lstm(long features, long hidden) : nn.Module<Tensor, Tensor>("lstm")
    {
        private readonly TorchSharp.Modules.LSTM _lstm = nn.LSTM(features, hidden, batchFirst: true);

        public override Tensor forward(Tensor x)
        {
            var (output, h, c) = _lstm.forward(x);
            using (h) using (c) using (output) return output.select(1, -1);
        }

        public Lstm Registered()
        {
            RegisterComponents();
            return this;
        }
    }

    /// <summary>A GRU over the rows, its last step's output.</summary>
    private sealed class Gru(long features, long hidden) : nn.Module<Tensor, Tensor>("gru")
    {
        private readonly TorchSharp.Modules.GRU _gru = nn.GRU(features, hidden, batchFirst: true);

        public override Tensor forward(Tensor x)
        {
            var (output, h) = _gru.forward(x);
            using (h) using (output) return output.select(1, -1);
        }

        public Gru Registered()
        {
            RegisterComponents();
            return this;
        }
    }

    /// <summary>The spec's layers as TorchSharp modules; a closing softmax is left out (cross-entropy takes the logits).</summary>
    public static nn.Module<Tensor, Tensor> Build(IReadOnlyList<LayerSpec> layers, int[] sampleShape)
    {
        var modules = new List<nn.Module<Tensor, Tensor>>();
        var shape = sampleShape.Select(d => (long)d).ToArray();
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case DenseLayer dense:
                    modules.Add(nn.Linear(shape[^1], dense.Units));
                    shape = [dense.Units];
                    break;
                case Conv2dLayer conv:
                    long padding = conv.Padding.For(conv.Kernel);
                    modules.Add(nn.Conv2d(shape[0], conv.OutChannels, conv.Kernel, padding: padding));
                    shape = [conv.OutChannels, shape[1] + 2 * padding - conv.Kernel + 1, shape[2] + 2 * padding - conv.Kernel + 1];
                    break;
                case MaxPool2dLayer pool:
                    modules.Add(nn.MaxPool2d(pool.Kernel));
                    shape = [shape[0], shape[1] / pool.Kernel, shape[2] / pool.Kernel];
                    break;
                case FlattenLayer:
                    modules.Add(nn.Flatten());
                    shape = [shape.Aggregate(1L, (a, b) => a * b)];
                    break;
                case LstmLayer lstm:
                    modules.Add(new Lstm(shape[^1], lstm.HiddenSize).Registered());
                    shape = [lstm.HiddenSize];
                    break;
                case GruLayer gru:
                    modules.Add(new Gru(shape[^1], gru.HiddenSize).Registered());
                    shape = [gru.HiddenSize];
                    break;
                case ActivationLayer { Function: ActivationFunction.Softmax } when i == layers.Count - 1:
                    break;
                case ActivationLayer { Function: ActivationFunction.Relu }: modules.Add(nn.ReLU()); break;
                case ActivationLayer { Function: ActivationFunction.Tanh }: modules.Add(nn.Tanh()); break;
                case ActivationLayer { Function: ActivationFunction.Sigmoid }: modules.Add(nn.Sigmoid()); break;
                default: throw new NotSupportedException($"the bare loop has no {layers[i]}");
            }
        }
        return nn.Sequential(modules);
    }

    public static TimeSpan Train(SupervisedSpec spec, string builtinDirectory)
    {
        var clock = Stopwatch.StartNew();
        var data = TrainingData.Load(spec.Dataset, builtinDirectory);
        using var net = Build(spec.Network.Layers, data.SampleShape);
        using var optimizer = spec.Optimizer.Kind switch
        {
            OptimizerKind.Adam => (optim.Optimizer)optim.Adam(net.parameters(), spec.Optimizer.LearningRate),
            OptimizerKind.Sgd => optim.SGD(net.parameters(), spec.Optimizer.LearningRate),
            var other => throw new NotSupportedException($"the bare loop has no {other} optimizer"),
        };
        (Tensor X, Tensor Y) Tensors(DataSplit split) =>
            (tensor(split.Features, [split.Count, .. data.SampleShape.Select(d => (long)d)]), tensor(split.Labels.Select(l => (long)l).ToArray()));
        var (x, y) = Tensors(data.Train);
        var (validationX, validationY) = Tensors(data.Validation);
        var (testX, testY) = Tensors(data.Test);
        int n = data.Train.Count, batch = spec.Training.BatchSize.Resolve(n);
        var random = new Random(spec.Training.Seed);
        var order = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        for (int epoch = 1; epoch <= spec.Training.Epochs; epoch++)
            _ = (Epoch(net, optimizer, x, y, order, batch, random, (output, target) => nn.functional.cross_entropy(output, target), (output, target) => output.argmax(1).eq(target)),
                Evaluate(net, validationX, validationY));
        _ = (Evaluate(net, testX, testY), Evaluate(net, x, y)); // the final figures a Dojo job reports: test, and the training set's
        foreach (var t in new[] { x, y, validationX, validationY, testX, testY }) t.Dispose();
        return clock.Elapsed;
    }

    /// <summary>
    /// One epoch as a hand-written loop does it: shuffle, then per batch zero the gradients, forward, loss, the running
    /// loss and count of right answers, backward, step. Returns the epoch's mean loss and accuracy.
    /// </summary>
    public static (double Loss, double Accuracy) Epoch(nn.Module<Tensor, Tensor> net, optim.Optimizer optimizer, Tensor x, Tensor y, long[] order, int batch,
        Random random, Func<Tensor, Tensor, Tensor> lossOf, Func<Tensor, Tensor, Tensor> right)
    {
        random.Shuffle(order);
        long n = order.Length;
        double sum = 0;
        using var correct = zeros(1, dtype: ScalarType.Int64);
        net.train();
        for (int start = 0; start < n; start += batch)
        {
            using var scope = NewDisposeScope();
            int size = (int)Math.Min(batch, n - start);
            using var index = tensor(order.AsSpan(start, size).ToArray());
            optimizer.zero_grad();
            var target = y.index_select(0, index);
            var output = net.forward(x.index_select(0, index));
            var loss = lossOf(output, target);
            sum += loss.item<float>() * size;
            correct.add_(right(output.detach(), target).sum());
            loss.backward();
            optimizer.step();
        }
        return (sum / n, correct.item<long>() / (double)n);
    }

    /// <summary>Loss and accuracy over a split in chunks of 1,000, as Dojo evaluates.</summary>
    private static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> net, Tensor x, Tensor y)
    {
        net.eval();
        using var _ = no_grad();
        double loss = 0;
        long correct = 0, n = x.shape[0];
        for (long start = 0; start < n; start += 1000)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(1000, n - start);
            var output = net.forward(x.narrow(0, start, size));
            var target = y.narrow(0, start, size);
            loss += nn.functional.cross_entropy(output, target, reduction: nn.Reduction.Sum).item<float>();
            correct += output.argmax(1).eq(target).sum().item<long>();
        }
        return (loss / n, correct / (double)n);
    }
}
