using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;
using Dojo.Worker.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// Where a network's starting weights come from: the job's generator (and, for <see cref="InitKind.Playground"/>
/// weights, the playground data's random stream), or nowhere when trained weights are loaded next; and the generator
/// its dropout masks come from (none: the network only runs in eval mode, as for predictions).
/// </summary>
public sealed record NetworkInit(Generator? Weights, Generator? Dropout, IRandomSource? PlaygroundStream = null)
{
    public static NetworkInit ForLoading { get; } = new(null, null);
}

/// <summary>A network built from its spec, its weight matrices (dense, convolution, recurrent, embedding; not biases: what L1/L2 penalise), and its output shape.</summary>
public sealed record BuiltModel(Sequential Net, IReadOnlyList<Tensor> Weights, int[] OutputShape);

/// <summary>Builds a network spec for an input shape: one module per layer, named by its kind and index (the state dict's keys).</summary>
public static class ModelBuilder
{
    public static BuiltModel Build(NetworkSpec network, int[] inputShape, NetworkInit init)
    {
        var layers = network.Layers;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var weights = new List<Tensor>();
        int[] shape = inputShape;
        for (int i = 0; i < layers.Count; i++)
        {
            var next = ShapeInference.Apply(layers[i], shape).Output
                ?? throw new InvalidOperationException($"layer {i} does not fit {ShapeInference.Format(shape)}; the spec should have been refused at submit");
            switch (layers[i])
            {
                case DenseLayer d:
                    var linear = nn.Linear(shape[^1], d.Units, hasBias: d.Bias); // on a sequence: the same weights at every step
                    Initialize(linear.weight!, linear.bias, d.Init ?? network.Init ?? InitSpec.Default, init);
                    modules.Add(($"dense{i}", linear));
                    weights.Add(linear.weight!);
                    break;
                case Conv2dLayer c:
                    var conv = nn.Conv2d(shape[0], c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding.For(c.Kernel), bias: c.Bias);
                    Initialize(conv.weight!, conv.bias, c.Init ?? network.Init ?? InitSpec.Default, init);
                    modules.Add(($"conv{i}", new Layers.Conv(conv, c.Stride, c.Padding.For(c.Kernel))));
                    weights.Add(conv.weight!);
                    break;
                case ConvTranspose2dLayer c:
                    var transposed = nn.ConvTranspose2d(shape[0], c.OutChannels, c.Kernel, stride: c.Stride, padding: c.Padding, output_padding: c.OutputPadding, bias: c.Bias);
                    Initialize(transposed.weight!, transposed.bias, c.Init ?? network.Init ?? InitSpec.Default, init);
                    modules.Add(($"convt{i}", transposed));
                    weights.Add(transposed.weight!);
                    break;
                case ReshapeLayer r:
                    modules.Add(($"reshape{i}", new Layers.Reshape(r.Shape)));
                    break;
                case MaxPool2dLayer pool:
                    modules.Add(($"maxpool{i}", new Layers.MaxPool(pool.Kernel, pool.Stride ?? pool.Kernel)));
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
                    modules.Add(($"{SpecJson.Name(a.Function)}{i}", a.Function == ActivationFunction.LeakyRelu
                        ? new Layers.LeakyRelu(a.Slope ?? ActivationLayer.DefaultSlope) : Activation(a.Function)));
                    break;
                case DropoutLayer drop:
                    modules.Add(($"dropout{i}", new SeededDropout(drop.Rate, init.Dropout)));
                    break;
                case RecurrentLayer r:
                    var recurrent = new Recurrent(r, shape[^1], init.Dropout);
                    InitializeRecurrent(recurrent, r.Init ?? network.Init, 1 / Math.Sqrt(r.HiddenSize), init, r.ForgetBias);
                    modules.Add(($"{r.Type}{i}", recurrent));
                    weights.AddRange(recurrent.Cells.SelectMany(c => c).Where(p => p.Name.StartsWith("weight", StringComparison.Ordinal)).Select(p => (Tensor)p.Parameter));
                    break;
                case EmbeddingLayer e:
                    var embedding = nn.Embedding(e.Vocabulary, e.Size);
                    InitializeEmbedding(embedding, e.Init, init);
                    modules.Add(($"embedding{i}", embedding));
                    weights.Add(embedding.weight!);
                    break;
                case BatchNormLayer norm:
                    modules.Add(($"batchnorm{i}", new Layers.BatchNorm(shape[0], norm.Epsilon, norm.Momentum)));
                    break;
                default:
                    throw new NotSupportedException($"layer {layers[i].GetType().Name} is not supported");
            }
            shape = next;
        }
        return new BuiltModel(nn.Sequential(modules), weights, shape);
    }

    public static nn.Module<Tensor, Tensor> Activation(ActivationFunction function) => function switch
    {
        ActivationFunction.Step => new Step(),
        ActivationFunction.Sigmoid => nn.Sigmoid(),
        ActivationFunction.Tanh => nn.Tanh(),
        ActivationFunction.Relu => nn.ReLU(),
        ActivationFunction.Identity => nn.Identity(),
        ActivationFunction.Softmax => nn.Softmax(-1), // over the features: of a sample, or of each step of a sequence
        ActivationFunction.Elu => new Elu(),
        ActivationFunction.Selu => nn.SELU(),
        ActivationFunction.Softplus => new Layers.Softplus(),
        ActivationFunction.Softsign => new Layers.Softsign(),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, null),
    };

    /// <summary>
    /// Weight init from the job's generator: N(0, std), Xavier/Glorot, He/Kaiming, zeros or U(a, b).
    /// Drawn with rand/randn, which honour the generator (TorchSharp 0.107's nn.init.uniform_/normal_
    /// ignore theirs and use the process-wide one, which would make jobs irreproducible).
    /// </summary>
    internal static void Initialize(Tensor weight, Tensor? biasTensor, InitSpec spec, NetworkInit init)
    {
        if (init.Weights is not { } generator) return; // trained weights are loaded next
        using var _ = no_grad();
        // Fans as PyTorch computes them: [out, in] for dense, [out, in, k, k] for conv (times the kernel's area).
        long receptive = weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        double fanIn = weight.shape[1] * receptive, fanOut = weight.shape[0] * receptive;
        switch (spec.Kind)
        {
            case InitKind.Normal:
                Normal(weight, spec.Std, generator);
                break;
            case InitKind.Uniform:
                Uniform(weight, spec.A, spec.B, generator);
                break;
            case InitKind.Zeros:
                weight.zero_();
                break;
            case InitKind.Playground:
                // Node by node, link by link: row-major over [out, in], as the playground's buildNetwork draws them.
                var stream = init.PlaygroundStream ?? throw new InvalidOperationException("playground init needs the data set's random stream");
                var values = new float[weight.numel()];
                for (int k = 0; k < values.Length; k++) values[k] = (float)(stream.NextDouble() - 0.5);
                using (var drawn = tensor(values, weight.shape, dtype: weight.dtype)) weight.copy_(drawn);
                using (Scalar playgroundBias = 0.1) biasTensor?.fill_(playgroundBias);
                return;
            case InitKind.Xavier or InitKind.He:
                double variance = spec.Kind == InitKind.Xavier ? 2.0 / (fanIn + fanOut) : 2.0 / fanIn;
                if (spec.Distribution == InitDistribution.Normal) Normal(weight, Math.Sqrt(variance), generator);
                else Uniform(weight, -Math.Sqrt(3 * variance), Math.Sqrt(3 * variance), generator);
                break;
        }
        using Scalar bias = spec.BiasValue; // held: see Held
        biasTensor?.fill_(bias);
    }

    /// <summary>
    /// A recurrent layer's starting weights: with an init spec, each weight matrix as a dense layer's (fans from its
    /// [gates·hidden, in] shape) and biases at its bias value; else PyTorch's U(−1/√hidden, 1/√hidden) for every
    /// weight and bias — all from the job's generator, cell by cell in a fixed order.
    /// </summary>
    internal static void InitializeRecurrent(Recurrent recurrent, InitSpec? spec, double bound, NetworkInit init, double? forgetBias = null)
    {
        if (init.Weights is not { } generator) return; // trained weights are loaded next
        using var _ = no_grad();
        foreach (var cell in recurrent.Cells)
            foreach (var (name, parameter) in cell)
            {
                if (spec is null) Uniform(parameter, -bound, bound, generator);
                else if (name.StartsWith("weight", StringComparison.Ordinal)) Initialize(parameter, null, spec, init);
                else
                {
                    using Scalar bias = spec.BiasValue;
                    parameter.fill_(bias);
                }
                if (forgetBias is { } keep && name.StartsWith("bias", StringComparison.Ordinal))
                    SetKeepBias(parameter, recurrent.Gates, name.StartsWith("bias_ih", StringComparison.Ordinal) ? keep : 0);
            }
    }

    /// <summary>
    /// A recurrent bias's gate rows for <see cref="RecurrentLayer.ForgetBias"/>: a GRU's update gate (rows reset, update,
    /// new) to <paramref name="keep"/>; an LSTM's forget gate (rows input, forget, cell, output) to it and its input gate
    /// to −<paramref name="keep"/>, so that, as in a GRU, what is kept is not also overwritten.
    /// </summary>
    private static void SetKeepBias(Parameter bias, int gates, double keep)
    {
        long hidden = bias.shape[0] / gates;
        using var update = bias.narrow(0, hidden, hidden);
        using Scalar kept = keep;
        update.fill_(kept);
        if (gates != 4) return;
        using var input = bias.narrow(0, 0, hidden);
        using Scalar closed = -keep;
        input.fill_(closed);
    }

    /// <summary>An embedding's rows: as its init spec says, else PyTorch's N(0, 1), from the job's generator.</summary>
    internal static void InitializeEmbedding(Embedding embedding, InitSpec? spec, NetworkInit init)
    {
        if (spec is not null) Initialize(embedding.weight!, null, spec, init);
        else if (init.Weights is { } generator)
            using (no_grad()) Normal(embedding.weight!, 1.0, generator);
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
        weight.copy_(draw.mul_(width).add_(offset, Held.One));
    }
}
