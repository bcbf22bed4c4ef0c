using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;
using Dojo.Worker.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// A network built from its spec. A trailing softmax (for cross-entropy) or sigmoid (for binary
/// cross-entropy) is kept out of <see cref="Net"/> and applied by the loss on logits, which is the
/// numerically stable form; <see cref="OutputActivation"/> says which one predictions must apply.
/// </summary>
/// <remarks><see cref="Weights"/> are the dense and convolution weights (not biases): what L1/L2 penalise.</remarks>
public sealed record BuiltModel(Sequential Net, ActivationFunction? OutputActivation, IReadOnlyList<Linear> DenseLayers,
    IReadOnlyList<Tensor> Weights, int OutputWidth);

public static class ModelBuilder
{
    /// <param name="dataStream">The data set's random stream, for <see cref="InitKind.Playground"/> weights.</param>
    public static BuiltModel Build(JobSpec spec, Generator initGenerator, Generator dropoutGenerator, IRandomSource? dataStream = null)
    {
        var layers = spec.Network.Layers;
        int count = layers.Count;
        ActivationFunction? stripped = null;
        if (count > 0 && layers[^1] is ActivationLayer { Function: var last } &&
            ((last == ActivationFunction.Softmax && spec.Training.Loss == LossFunction.CrossEntropy) ||
             (last == ActivationFunction.Sigmoid && spec.Training.Loss == LossFunction.BinaryCrossEntropy)))
        {
            stripped = last;
            count--;
        }

        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var dense = new List<Linear>();
        var weights = new List<Tensor>();
        int[] shape = SpecValidator.InputShape(spec.Dataset);
        for (int i = 0; i < count; i++)
        {
            var next = ShapeInference.Apply(layers[i], shape).Output
                ?? throw new InvalidOperationException($"layer {i} does not fit {ShapeInference.Format(shape)}; the spec should have been refused at submit");
            switch (layers[i])
            {
                case DenseLayer d:
                    var linear = nn.Linear(shape[0], d.Units, hasBias: d.Bias);
                    Initialize(linear.weight!, linear.bias, d.Init ?? spec.Network.Init ?? InitSpec.Default, initGenerator, dataStream);
                    modules.Add(($"dense{i}", linear));
                    dense.Add(linear);
                    weights.Add(linear.weight!);
                    break;
                case Conv2dLayer c:
                    var conv = nn.Conv2d(shape[0], c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding.For(c.Kernel), bias: c.Bias);
                    Initialize(conv.weight!, conv.bias, c.Init ?? spec.Network.Init ?? InitSpec.Default, initGenerator, dataStream);
                    modules.Add(($"conv{i}", conv));
                    weights.Add(conv.weight!);
                    break;
                case MaxPool2dLayer pool:
                    modules.Add(($"maxpool{i}", nn.MaxPool2d(pool.Kernel, pool.Stride ?? pool.Kernel)));
                    break;
                case AvgPool2dLayer pool:
                    modules.Add(($"avgpool{i}", nn.AvgPool2d(pool.Kernel, pool.Stride ?? pool.Kernel)));
                    break;
                case FlattenLayer:
                    modules.Add(($"flatten{i}", nn.Flatten()));
                    break;
                case GlobalAvgPoolLayer:
                    modules.Add(($"gap{i}", new GlobalAvgPool()));
                    break;
                case ActivationLayer a:
                    modules.Add(($"{SpecJson.Name(a.Function)}{i}", Activation(a.Function)));
                    break;
                case DropoutLayer drop:
                    modules.Add(($"dropout{i}", new SeededDropout(drop.Rate, dropoutGenerator)));
                    break;
                case BatchNormLayer norm:
                    modules.Add(($"batchnorm{i}", shape.Length == 3
                        ? nn.BatchNorm2d(shape[0], norm.Epsilon, norm.Momentum)
                        : nn.BatchNorm1d(shape[0], norm.Epsilon, norm.Momentum)));
                    break;
                default:
                    throw new NotSupportedException($"layer {layers[i].GetType().Name} is not supported");
            }
            shape = next;
        }
        long width = shape[0];
        return new BuiltModel(nn.Sequential(modules), stripped, dense, weights, (int)width);
    }

    public static nn.Module<Tensor, Tensor> Activation(ActivationFunction function) => function switch
    {
        ActivationFunction.Step => new Step(),
        ActivationFunction.Sigmoid => nn.Sigmoid(),
        ActivationFunction.Tanh => nn.Tanh(),
        ActivationFunction.Relu => nn.ReLU(),
        ActivationFunction.Identity => nn.Identity(),
        ActivationFunction.Softmax => nn.Softmax(1),
        ActivationFunction.Elu => nn.ELU(),
        ActivationFunction.Selu => nn.SELU(),
        ActivationFunction.Softplus => nn.Softplus(),
        ActivationFunction.Softsign => nn.Softsign(),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, null),
    };

    /// <summary>
    /// Weight init from the job's generator: N(0, std), Xavier/Glorot, He/Kaiming, zeros or U(a, b).
    /// Drawn with rand/randn, which honour the generator (TorchSharp 0.107's nn.init.uniform_/normal_
    /// ignore theirs and use the process-wide one, which would make jobs irreproducible).
    /// </summary>
    private static void Initialize(Tensor weight, Tensor? biasTensor, InitSpec init, Generator generator, IRandomSource? dataStream)
    {
        using var _ = no_grad();
        // Fans as PyTorch computes them: [out, in] for dense, [out, in, k, k] for conv (times the kernel's area).
        long receptive = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        double fanIn = weight.shape[1] * receptive, fanOut = weight.shape[0] * receptive;
        switch (init.Kind)
        {
            case InitKind.Normal:
                Normal(weight, init.Std, generator);
                break;
            case InitKind.Uniform:
                Uniform(weight, init.A, init.B, generator);
                break;
            case InitKind.Zeros:
                weight.zero_();
                break;
            case InitKind.Playground:
                // Node by node, link by link: row-major over [out, in], as the playground's buildNetwork draws them.
                var stream = dataStream ?? throw new InvalidOperationException("playground init needs the data set's random stream");
                var values = new float[weight.numel()];
                for (int k = 0; k < values.Length; k++) values[k] = (float)(stream.NextDouble() - 0.5);
                using (var drawn = tensor(values, weight.shape, dtype: weight.dtype)) weight.copy_(drawn);
                using (Scalar playgroundBias = 0.1) biasTensor?.fill_(playgroundBias);
                return;
            case InitKind.Xavier or InitKind.He:
                double variance = init.Kind == InitKind.Xavier ? 2.0 / (fanIn + fanOut) : 2.0 / fanIn;
                if (init.Distribution == InitDistribution.Normal) Normal(weight, Math.Sqrt(variance), generator);
                else Uniform(weight, -Math.Sqrt(3 * variance), Math.Sqrt(3 * variance), generator);
                break;
        }
        using Scalar bias = init.BiasValue; // Scalars held in using: TorchSharp leaves implicit ones to the GC
        biasTensor?.fill_(bias);
    }

    private static void Normal(Tensor weight, double std, Generator generator)
    {
        using var draw = randn(weight.shape, dtype: weight.dtype, generator: generator);
        using Scalar scale = std;
        weight.copy_(draw.mul_(scale));
    }

    private static void Uniform(Tensor weight, double low, double high, Generator generator)
    {
        using var draw = rand(weight.shape, dtype: weight.dtype, generator: generator);
        using Scalar width = high - low, offset = low;
        weight.copy_(draw.mul_(width).add_(offset));
    }
}
