using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Dojo.Domain.Datasets;

namespace Dojo.Domain.Playground;

/// <summary>A node's activation on the page (upstream's four; the DeepInsider fork adds elu, selu, softplus, softsign).</summary>
public enum PageActivation { Tanh, Relu, Sigmoid, Linear, Elu, Selu, Softplus, Softsign }

public enum PageRegularization { None, L1, L2 }

/// <summary>The page's error: upstream's square ½(o − t)² (the fork's <c>mse</c>), or the fork's <c>mae</c> |o − t|.</summary>
public enum PageLoss { Square, Absolute }

/// <summary>How the page starts its weights: upstream's U(−0.5, 0.5) (biases 0.1), the fork's Glorot uniform (biases 0), or all zero.</summary>
public enum PageInit { Upstream, Glorot, Zero }

/// <summary>
/// The playground page's network, computed as the page computes it (tensorflow/playground <c>src/nn.ts</c>): float64,
/// each example's arithmetic node by node in the page's order — forward, backward with derivatives accumulated per node
/// and per link, and an update that divides each accumulated derivative by its count, applies L2 or L1 after the
/// gradient step (a weight that L1 pushes across zero is set to 0 and stays dead), and resets the accumulators.
/// Transcendental functions are V8's (<see cref="JsMath"/>), so a run ends on the page's numbers to the last bit.
/// For speed, examples that meet the same weights go forward four side by side (each lane the same operations, never
/// fused), and the backward pass adds four links at a time; accumulation still follows the examples' order.
/// </summary>
public sealed class PageNetwork
{
    /// <summary>The most examples run forward together (their node values are kept until their backward passes).</summary>
    public const int Chunk = 64;

    private readonly PageActivation _hidden, _output;
    private readonly PageRegularization _regularization;
    private readonly PageLoss _loss;
    private readonly Layer[] _layers; // 0: the inputs

    /// <summary>
    /// A layer's nodes, and the links into them as one row of sources per node (flat, so the loops stay in one array).
    /// Total inputs and outputs are kept per node for each example of a chunk, node-major (<c>[node · Chunk + example]</c>),
    /// so four examples' values of one node lie side by side.
    /// </summary>
    private sealed class Layer(int nodes, int sources)
    {
        public readonly int Nodes = nodes, Sources = sources;
        public readonly double[] Bias = new double[nodes], TotalInput = new double[nodes * Chunk], Output = new double[nodes * Chunk],
            InputDer = new double[nodes], OutputDer = new double[nodes], AccInputDer = new double[nodes];
        public readonly int[] NodeCount = new int[nodes];
        public readonly double[] Weight = new double[nodes * sources], AccErrorDer = new double[nodes * sources];
        public readonly bool[] Dead = new bool[nodes * sources];
        /// <summary>Whether L1 has killed a link here yet; until then no link is skipped.</summary>
        public bool AnyDead;
        /// <summary>One example's source outputs side by side (they are stored node-major), for the four-wide loops.</summary>
        public readonly double[] SourceOutputs = new double[sources];
    }

    /// <param name="shape">Inputs, hidden layers, and one output node.</param>
    /// <param name="stream">The page's random stream where the data left it: the weights are its next draws, link by link.</param>
    public PageNetwork(int[] shape, PageActivation hidden, PageActivation output, PageRegularization regularization, PageLoss loss, PageInit init, IRandomSource stream)
    {
        (_hidden, _output, _regularization, _loss) = (hidden, output, regularization, loss);
        _layers = [.. shape.Select((nodes, l) => new Layer(nodes, l == 0 ? 0 : shape[l - 1]))];
        for (int l = 1; l < shape.Length; l++)
        {
            var layer = _layers[l];
            // The fork draws each weight as r·2L − L with L = √(6 / (fan_in + fan_out)); the output node's fan-out is 1.
            double limit = Math.Sqrt(6.0 / (layer.Sources + (l + 1 < shape.Length ? shape[l + 1] : 1)));
            for (int i = 0; i < layer.Nodes; i++)
            {
                layer.Bias[i] = init == PageInit.Upstream ? 0.1 : 0;
                for (int j = 0; j < layer.Sources; j++)
                {
                    double r = stream.NextDouble(); // the page draws every weight, even when it then sets it to 0
                    layer.Weight[i * layer.Sources + j] = init switch
                    {
                        PageInit.Upstream => r - 0.5,
                        PageInit.Glorot => r * 2 * limit - limit,
                        _ => 0,
                    };
                }
            }
        }
    }

    public int Inputs => _layers[0].Nodes;

    /// <summary>
    /// Runs <paramref name="count"/> (at most <see cref="Chunk"/>) inputs from <paramref name="start"/> forward with the
    /// present weights, keeping each one's node values for <see cref="Backward"/> (example k of the chunk).
    /// The same bits as one at a time: each lane of the four-wide pass adds the same products in the same order, and
    /// tanh is <see cref="JsMath.Tanh(Vector256{double})"/>.
    /// </summary>
    // The loops here are compiled fully optimized at once (and their small helpers inlined): in a busy process (the API with its
    // worker) tiered compilation kept them in tier-0 code for seconds, and the same run took two to three times as long there.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(double[][] inputs, int start, int count)
    {
        var input = _layers[0].Output;
        for (int k = 0; k < count; k++)
            for (int f = 0; f < _layers[0].Nodes; f++) input[f * Chunk + k] = inputs[start + k][f];
        int whole = Vector256.IsHardwareAccelerated ? count / 4 * 4 : 0;
        for (int l = 1; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var activation = l == _layers.Length - 1 ? _output : _hidden;
            var previous = _layers[l - 1].Output;
            for (int k = 0; k < whole; k += 4)
                for (int i = 0; i < layer.Nodes; i++)
                {
                    var total = Vector256.Create(layer.Bias[i]);
                    for (int j = 0; j < layer.Sources; j++)
                        total += Vector256.Create(layer.Weight[i * layer.Sources + j]) * Vector256.Create<double>(previous.AsSpan(j * Chunk + k, 4));
                    total.CopyTo(layer.TotalInput.AsSpan(i * Chunk + k, 4));
                    var output = activation switch
                    {
                        PageActivation.Tanh => JsMath.Tanh(total),
                        PageActivation.Linear => total,
                        _ => Vector256.Create(Output(activation, total[0]), Output(activation, total[1]), Output(activation, total[2]), Output(activation, total[3])),
                    };
                    output.CopyTo(layer.Output.AsSpan(i * Chunk + k, 4));
                }
        }
        for (int k = whole; k < count; k++) ForwardOne(k);
    }

    /// <summary>The output of example <paramref name="k"/> of the last chunk run forward.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Output(int k) => _layers[^1].Output[k];

    /// <summary>The page's forward pass of example <paramref name="k"/>, whose inputs are in place: node by node, links in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardOne(int k)
    {
        for (int l = 1; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var activation = l == _layers.Length - 1 ? _output : _hidden;
            var previous = _layers[l - 1].Output;
            for (int i = 0; i < layer.Nodes; i++)
            {
                double total = layer.Bias[i];
                var weights = new ReadOnlySpan<double>(layer.Weight, i * layer.Sources, layer.Sources);
                for (int j = 0; j < weights.Length; j++) total += weights[j] * previous[j * Chunk + k];
                layer.TotalInput[i * Chunk + k] = total;
                layer.Output[i * Chunk + k] = Output(activation, total);
            }
        }
    }

    /// <summary>
    /// Backpropagates the error of example <paramref name="k"/> of the last chunk run forward against
    /// <paramref name="target"/>, accumulating every derivative.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Backward(double target, int k = 0)
    {
        int last = _layers.Length - 1;
        _layers[last].OutputDer[0] = ErrorDerivative(_layers[last].Output[k], target);
        for (int l = last; l >= 1; l--)
        {
            var layer = _layers[l];
            var activation = l == last ? _output : _hidden;
            for (int i = 0; i < layer.Nodes; i++)
            {
                double der = layer.OutputDer[i] * Derivative(activation, layer.TotalInput[i * Chunk + k], layer.Output[i * Chunk + k]);
                layer.InputDer[i] = der;
                layer.AccInputDer[i] += der;
                layer.NodeCount[i]++;
            }
            var sources = layer.SourceOutputs;
            for (int j = 0; j < sources.Length; j++) sources[j] = _layers[l - 1].Output[j * Chunk + k];
            for (int i = 0; i < layer.Nodes; i++)
            {
                var acc = new Span<double>(layer.AccErrorDer, i * layer.Sources, layer.Sources);
                if (layer.AnyDead) AccumulateLive(acc, layer.InputDer[i], sources, new ReadOnlySpan<bool>(layer.Dead, i * layer.Sources, layer.Sources));
                else Accumulate(acc, layer.InputDer[i], sources);
            }
            if (l == 1) continue;
            // Each source's output derivative: the sum over the nodes it feeds, in node order, four sources at a time.
            var previousDer = _layers[l - 1].OutputDer;
            int j4 = 0;
            for (; Vector256.IsHardwareAccelerated && j4 + 4 <= layer.Sources; j4 += 4)
            {
                var sum = Vector256<double>.Zero;
                for (int i = 0; i < layer.Nodes; i++)
                    sum += Vector256.Create<double>(layer.Weight.AsSpan(i * layer.Sources + j4, 4)) * Vector256.Create(layer.InputDer[i]);
                sum.CopyTo(previousDer.AsSpan(j4, 4));
            }
            for (int j = j4; j < layer.Sources; j++)
            {
                double outputDer = 0;
                for (int i = 0; i < layer.Nodes; i++) outputDer += layer.Weight[i * layer.Sources + j] * layer.InputDer[i];
                previousDer[j] = outputDer;
            }
        }
    }

    /// <summary><c>acc[j] += der · sources[j]</c> for every link of a node, four at a time (each element the scalar operations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate(Span<double> acc, double der, ReadOnlySpan<double> sources)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var d = Vector256.Create(der);
            for (; j + 4 <= acc.Length; j += 4)
                (Vector256.Create<double>(acc.Slice(j, 4)) + d * Vector256.Create(sources.Slice(j, 4))).CopyTo(acc.Slice(j, 4));
        }
        for (; j < acc.Length; j++) acc[j] += der * sources[j];
    }

    /// <summary>The same where L1 has killed links: a dead link accumulates nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateLive(Span<double> acc, double der, ReadOnlySpan<double> sources, ReadOnlySpan<bool> dead)
    {
        for (int j = 0; j < acc.Length; j++)
            if (!dead[j]) acc[j] += der * sources[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Update(double learningRate, double regularizationRate)
    {
        for (int l = 1; l < _layers.Length; l++)
        {
            var layer = _layers[l];
            var (weights, acc, dead) = (layer.Weight, layer.AccErrorDer, layer.Dead);
            for (int k = 0; k < weights.Length; k++)
            {
                if (dead[k]) continue;
                double regularizationDer = _regularization switch
                {
                    PageRegularization.L1 => weights[k] < 0 ? -1 : weights[k] > 0 ? 1 : 0,
                    PageRegularization.L2 => weights[k],
                    _ => 0,
                };
                // The page counts each link's examples; a live link has counted every one its node has (both start again
                // at each update, and a link once dead never counts again), so the node's count is the link's.
                int examples = layer.NodeCount[k / layer.Sources];
                if (examples == 0) continue;
                double weight = weights[k] - (learningRate / examples) * acc[k];
                double regularized = weight - (learningRate * regularizationRate) * regularizationDer;
                if (_regularization == PageRegularization.L1 && weight * regularized < 0)
                {
                    weights[k] = 0;
                    dead[k] = layer.AnyDead = true;
                }
                else weights[k] = regularized;
                acc[k] = 0;
            }
            for (int i = 0; i < layer.Nodes; i++)
            {
                if (layer.NodeCount[i] > 0)
                {
                    layer.Bias[i] -= learningRate * layer.AccInputDer[i] / layer.NodeCount[i];
                    layer.AccInputDer[i] = 0;
                    layer.NodeCount[i] = 0;
                }
            }
        }
    }

    /// <summary>The page's error of one output against its target.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Error(double output, double target) => _loss == PageLoss.Absolute ? Math.Abs(output - target) : 0.5 * ((output - target) * (output - target));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double ErrorDerivative(double output, double target) =>
        _loss == PageLoss.Absolute ? (output - target) / Math.Abs(output - target) : output - target; // the fork's mae: NaN where o = t, as on the page

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Output(PageActivation activation, double x) => activation switch
    {
        PageActivation.Tanh => JsMath.Tanh(x),
        PageActivation.Relu => Math.Max(0, x),
        PageActivation.Sigmoid => 1 / (1 + JsMath.Exp(-x)),
        PageActivation.Linear => x,
        PageActivation.Elu => x < 0 ? JsMath.Exp(x) - 1 : x,
        PageActivation.Selu => Selu.Scale * (x < 0 ? Selu.Alpha * (JsMath.Exp(x) - 1) : x),
        PageActivation.Softplus => JsMath.Log(1 + JsMath.Exp(x)),
        PageActivation.Softsign => x / (1 + Math.Abs(x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };

    /// <summary>
    /// The derivative at total input <paramref name="x"/>. The page recomputes tanh and the sigmoid of x there; that is
    /// the forward pass's <paramref name="output"/> to the bit (the same function of the same number), so it is reused.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Derivative(PageActivation activation, double x, double output)
    {
        switch (activation)
        {
            case PageActivation.Tanh: return 1 - output * output;
            case PageActivation.Relu: return x <= 0 ? 0 : 1;
            case PageActivation.Sigmoid: return output * (1 - output);
            case PageActivation.Linear: return 1;
            case PageActivation.Elu: return x < 0 ? JsMath.Exp(x) : 1;
            case PageActivation.Selu: return Selu.Scale * (x < 0 ? Selu.Alpha * JsMath.Exp(x) : 1);
            case PageActivation.Softplus: return 1 / (1 + JsMath.Exp(-x));
            case PageActivation.Softsign:
                double d = 1 + Math.Abs(x);
                return 1 / (d * d);
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }
    }

    private static class Selu
    {
        public const double Alpha = 1.6732632423543772, Scale = 1.0507009873554805;
    }

    /// <summary>Everything the next epoch depends on: weights, biases, dead links, and the derivatives accumulated by a partial batch.</summary>
    public void Save(BinaryWriter writer)
    {
        foreach (var layer in _layers.Skip(1))
            for (int i = 0; i < layer.Nodes; i++)
            {
                writer.Write(layer.Bias[i]);
                writer.Write(layer.AccInputDer[i]);
                writer.Write(layer.NodeCount[i]);
                for (int k = i * layer.Sources; k < (i + 1) * layer.Sources; k++)
                {
                    writer.Write(layer.Weight[k]);
                    writer.Write(layer.AccErrorDer[k]);
                    writer.Write(layer.Dead[k] ? 0 : layer.NodeCount[i]); // the page's count for the link (see Update)
                    writer.Write(layer.Dead[k]);
                }
            }
    }

    public void Load(BinaryReader reader)
    {
        foreach (var layer in _layers.Skip(1))
        {
            for (int i = 0; i < layer.Nodes; i++)
            {
                layer.Bias[i] = reader.ReadDouble();
                layer.AccInputDer[i] = reader.ReadDouble();
                layer.NodeCount[i] = reader.ReadInt32();
                for (int k = i * layer.Sources; k < (i + 1) * layer.Sources; k++)
                {
                    layer.Weight[k] = reader.ReadDouble();
                    layer.AccErrorDer[k] = reader.ReadDouble();
                    reader.ReadInt32(); // the link's count, which is its node's
                    layer.Dead[k] = reader.ReadBoolean();
                }
            }
            layer.AnyDead = layer.Dead.Contains(true);
        }
    }
}
