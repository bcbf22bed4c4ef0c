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
/// one example at a time, node by node in the page's order — forward, backward with derivatives accumulated per node
/// and per link, and an update that divides each accumulated derivative by its count, applies L2 or L1 after the
/// gradient step (a weight that L1 pushes across zero is set to 0 and stays dead), and resets the accumulators.
/// Transcendental functions are V8's (<see cref="JsMath"/>), so a run ends on the page's numbers to the last bit.
/// </summary>
public sealed class PageNetwork
{
    private readonly int[] _shape;
    private readonly PageActivation _hidden, _output;
    private readonly PageRegularization _regularization;
    private readonly PageLoss _loss;
    // Per layer (0: inputs), per node; links per node of layers ≥ 1, per source node.
    private readonly double[][] _bias, _totalInput, _outputs, _inputDer, _outputDer, _accInputDer;
    private readonly int[][] _nodeCount;
    private readonly double[][][] _weight, _accErrorDer;
    private readonly int[][][] _linkCount;
    private readonly bool[][][] _dead;

    /// <param name="shape">Inputs, hidden layers, and one output node.</param>
    /// <param name="stream">The page's random stream where the data left it: the weights are its next draws, link by link.</param>
    public PageNetwork(int[] shape, PageActivation hidden, PageActivation output, PageRegularization regularization, PageLoss loss, PageInit init, IRandomSource stream)
    {
        (_shape, _hidden, _output, _regularization, _loss) = (shape, hidden, output, regularization, loss);
        int layers = shape.Length;
        double[][] Nodes() => [.. shape.Select(n => new double[n])];
        (_bias, _totalInput, _outputs, _inputDer, _outputDer, _accInputDer) = (Nodes(), Nodes(), Nodes(), Nodes(), Nodes(), Nodes());
        _nodeCount = [.. shape.Select(n => new int[n])];
        _weight = new double[layers][][];
        _accErrorDer = new double[layers][][];
        _linkCount = new int[layers][][];
        _dead = new bool[layers][][];
        for (int l = 0; l < layers; l++)
        {
            int sources = l == 0 ? 0 : shape[l - 1];
            _weight[l] = [.. Enumerable.Range(0, shape[l]).Select(_ => new double[sources])];
            _accErrorDer[l] = [.. Enumerable.Range(0, shape[l]).Select(_ => new double[sources])];
            _linkCount[l] = [.. Enumerable.Range(0, shape[l]).Select(_ => new int[sources])];
            _dead[l] = [.. Enumerable.Range(0, shape[l]).Select(_ => new bool[sources])];
            if (l == 0) continue;
            // The fork draws each weight as r·2L − L with L = √(6 / (fan_in + fan_out)); the output node's fan-out is 1.
            double limit = Math.Sqrt(6.0 / (sources + (l + 1 < layers ? shape[l + 1] : 1)));
            for (int i = 0; i < shape[l]; i++)
            {
                _bias[l][i] = init == PageInit.Upstream ? 0.1 : 0;
                for (int j = 0; j < sources; j++)
                {
                    double r = stream.NextDouble(); // the page draws every weight, even when it then sets it to 0
                    _weight[l][i][j] = init switch
                    {
                        PageInit.Upstream => r - 0.5,
                        PageInit.Glorot => r * 2 * limit - limit,
                        _ => 0,
                    };
                }
            }
        }
    }

    public int Inputs => _shape[0];

    /// <summary>Runs the inputs forward; returns the output node's value.</summary>
    public double Forward(ReadOnlySpan<double> inputs)
    {
        inputs.CopyTo(_outputs[0]);
        for (int l = 1; l < _shape.Length; l++)
        {
            var activation = l == _shape.Length - 1 ? _output : _hidden;
            double[] previous = _outputs[l - 1];
            for (int i = 0; i < _shape[l]; i++)
            {
                double total = _bias[l][i];
                double[] weights = _weight[l][i];
                for (int j = 0; j < weights.Length; j++) total += weights[j] * previous[j];
                _totalInput[l][i] = total;
                _outputs[l][i] = Output(activation, total);
            }
        }
        return _outputs[^1][0];
    }

    /// <summary>Backpropagates the error of the last forward pass against <paramref name="target"/>, accumulating every derivative.</summary>
    public void Backward(double target)
    {
        int last = _shape.Length - 1;
        _outputDer[last][0] = ErrorDerivative(_outputs[last][0], target);
        for (int l = last; l >= 1; l--)
        {
            var activation = l == last ? _output : _hidden;
            for (int i = 0; i < _shape[l]; i++)
            {
                double der = _outputDer[l][i] * Derivative(activation, _totalInput[l][i], _outputs[l][i]);
                _inputDer[l][i] = der;
                _accInputDer[l][i] += der;
                _nodeCount[l][i]++;
            }
            double[] sources = _outputs[l - 1];
            for (int i = 0; i < _shape[l]; i++)
            {
                double der = _inputDer[l][i];
                double[] acc = _accErrorDer[l][i];
                int[] count = _linkCount[l][i];
                bool[] dead = _dead[l][i];
                for (int j = 0; j < sources.Length; j++)
                {
                    if (dead[j]) continue;
                    acc[j] += der * sources[j];
                    count[j]++;
                }
            }
            if (l == 1) continue;
            for (int j = 0; j < _shape[l - 1]; j++)
            {
                double outputDer = 0;
                for (int i = 0; i < _shape[l]; i++) outputDer += _weight[l][i][j] * _inputDer[l][i];
                _outputDer[l - 1][j] = outputDer;
            }
        }
    }

    /// <summary>The page's update from the accumulated derivatives, each divided by its own count; then the accumulators start again.</summary>
    public void Update(double learningRate, double regularizationRate)
    {
        for (int l = 1; l < _shape.Length; l++)
            for (int i = 0; i < _shape[l]; i++)
            {
                if (_nodeCount[l][i] > 0)
                {
                    _bias[l][i] -= learningRate * _accInputDer[l][i] / _nodeCount[l][i];
                    _accInputDer[l][i] = 0;
                    _nodeCount[l][i] = 0;
                }
                double[] weights = _weight[l][i], acc = _accErrorDer[l][i];
                int[] count = _linkCount[l][i];
                bool[] dead = _dead[l][i];
                for (int j = 0; j < weights.Length; j++)
                {
                    if (dead[j]) continue;
                    double regularizationDer = _regularization switch
                    {
                        PageRegularization.L1 => weights[j] < 0 ? -1 : weights[j] > 0 ? 1 : 0,
                        PageRegularization.L2 => weights[j],
                        _ => 0,
                    };
                    if (count[j] == 0) continue;
                    double weight = weights[j] - (learningRate / count[j]) * acc[j];
                    double regularized = weight - (learningRate * regularizationRate) * regularizationDer;
                    if (_regularization == PageRegularization.L1 && weight * regularized < 0)
                    {
                        weights[j] = 0;
                        dead[j] = true;
                    }
                    else weights[j] = regularized;
                    acc[j] = 0;
                    count[j] = 0;
                }
            }
    }

    /// <summary>The page's error of one output against its target.</summary>
    public double Error(double output, double target) => _loss == PageLoss.Absolute ? Math.Abs(output - target) : 0.5 * ((output - target) * (output - target));

    private double ErrorDerivative(double output, double target) =>
        _loss == PageLoss.Absolute ? (output - target) / Math.Abs(output - target) : output - target; // the fork's mae: NaN where o = t, as on the page

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
        for (int l = 1; l < _shape.Length; l++)
            for (int i = 0; i < _shape[l]; i++)
            {
                writer.Write(_bias[l][i]);
                writer.Write(_accInputDer[l][i]);
                writer.Write(_nodeCount[l][i]);
                for (int j = 0; j < _weight[l][i].Length; j++)
                {
                    writer.Write(_weight[l][i][j]);
                    writer.Write(_accErrorDer[l][i][j]);
                    writer.Write(_linkCount[l][i][j]);
                    writer.Write(_dead[l][i][j]);
                }
            }
    }

    public void Load(BinaryReader reader)
    {
        for (int l = 1; l < _shape.Length; l++)
            for (int i = 0; i < _shape[l]; i++)
            {
                _bias[l][i] = reader.ReadDouble();
                _accInputDer[l][i] = reader.ReadDouble();
                _nodeCount[l][i] = reader.ReadInt32();
                for (int j = 0; j < _weight[l][i].Length; j++)
                {
                    _weight[l][i][j] = reader.ReadDouble();
                    _accErrorDer[l][i][j] = reader.ReadDouble();
                    _linkCount[l][i][j] = reader.ReadInt32();
                    _dead[l][i][j] = reader.ReadBoolean();
                }
            }
    }

    /// <summary>The weights into each node of each layer after the inputs, as the page lists them (a layer, a node, its links).</summary>
    public double[][][] Weights() => [.. _weight.Skip(1).Select(layer => layer.Select(node => node.ToArray()).ToArray())];

    public double[][] Biases() => [.. _bias.Skip(1).Select(layer => layer.ToArray())];
}
