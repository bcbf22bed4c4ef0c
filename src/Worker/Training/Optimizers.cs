using Dojo.Domain.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// The course's update rules, written out with PyTorch's formulas (SGD, momentum, AdaGrad, RMSProp,
/// Adam). Dojo keeps its own instead of TorchSharp's: those convert doubles to <see cref="Scalar"/>s
/// inside every step and leave them to the GC, whose finalizer can free one while libtorch still reads
/// it (dotnet/TorchSharp#1434; seen here as a job failing with "Expected false to be true … toFloat").
/// Here every Scalar is held by the optimizer or by a <c>using</c> for as long as libtorch needs it.
/// State tensors exist from the start (zeros), so a checkpoint restores them in place.
/// </summary>
public abstract class TrainingOptimizer : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private readonly double[] _rates;
    private readonly Scalar[] _negativeRates;

    /// <summary>Each parameter with its learning rate (fine-tuned layers learn slower than new ones).</summary>
    protected TrainingOptimizer(IReadOnlyList<(Parameter Parameter, double LearningRate)> parameters)
    {
        Parameters = parameters.Select(p => p.Parameter).ToList();
        _rates = parameters.Select(p => p.LearningRate).ToArray();
        var held = _rates.Distinct().ToDictionary(rate => rate, rate => Hold(-rate));
        _negativeRates = _rates.Select(rate => held[rate]).ToArray();
    }

    protected IReadOnlyList<Parameter> Parameters { get; }
    /// <summary>1, held: pass it as the alpha of add_ (its one-argument overloads convert an implicit 1 that the GC may free).</summary>
    protected static Scalar One => Held.One;
    protected double LearningRate(int index) => _rates[index];
    protected Scalar NegativeLearningRate(int index) => _negativeRates[index];
    protected long Steps { get; private set; }

    /// <summary>The state saved in checkpoints, in a fixed order.</summary>
    protected abstract IEnumerable<Tensor> State { get; }

    public void ZeroGrad()
    {
        foreach (var parameter in Parameters) parameter.grad?.zero_();
    }

    public void Step()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Steps++;
        for (int i = 0; i < Parameters.Count; i++)
            if (Parameters[i].grad is { } grad) Update(i, Parameters[i], grad);
    }

    protected abstract void Update(int index, Parameter parameter, Tensor grad);

    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        foreach (var tensor in State) tensor.Save(writer);
    }

    public void Load(BinaryReader reader)
    {
        Steps = reader.ReadInt64();
        using var _ = no_grad();
        foreach (var tensor in State) tensor.Load(reader);
    }

    protected Scalar Hold(double value)
    {
        Scalar scalar = value;
        _owned.Add(scalar);
        return scalar;
    }

    protected List<Tensor> ZerosLikeParameters()
    {
        var state = Parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToList();
        _owned.AddRange(state);
        return state;
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        GC.SuppressFinalize(this);
    }

    public static TrainingOptimizer Create(OptimizerSpec spec, IEnumerable<Parameter> parameters) =>
        Create(spec, parameters.Select(p => (p, spec.LearningRate)).ToList());

    public static TrainingOptimizer Create(OptimizerSpec spec, IReadOnlyList<(Parameter, double)> parameters) => spec.Kind switch
    {
        OptimizerKind.Sgd => new Sgd(parameters),
        OptimizerKind.Momentum => new Momentum(parameters, spec.Momentum),
        OptimizerKind.Adagrad => new Adagrad(parameters),
        OptimizerKind.Rmsprop => new RmsProp(parameters, spec.Alpha, spec.Epsilon),
        OptimizerKind.Adam => new Adam(parameters, spec.Beta1, spec.Beta2, spec.Epsilon),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, null),
    };

    /// <summary>p ← p − lr·g.</summary>
    private sealed class Sgd(IReadOnlyList<(Parameter, double)> parameters) : TrainingOptimizer(parameters)
    {
        protected override IEnumerable<Tensor> State => [];
        protected override void Update(int index, Parameter parameter, Tensor grad) => parameter.add_(grad, NegativeLearningRate(index));
    }

    /// <summary>b ← μ·b + g; p ← p − lr·b (PyTorch's SGD with momentum, no dampening).</summary>
    private sealed class Momentum : TrainingOptimizer
    {
        private readonly Scalar _mu;
        private readonly List<Tensor> _buffers;

        public Momentum(IReadOnlyList<(Parameter, double)> parameters, double mu) : base(parameters)
        {
            _mu = Hold(mu);
            _buffers = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _buffers;

        protected override void Update(int index, Parameter parameter, Tensor grad)
        {
            var buffer = _buffers[index].mul_(_mu).add_(grad, One);
            parameter.add_(buffer, NegativeLearningRate(index));
        }
    }

    /// <summary>s ← s + g²; p ← p − lr·g / (√s + 1e-10) (PyTorch's Adagrad defaults).</summary>
    private sealed class Adagrad : TrainingOptimizer
    {
        private readonly Scalar _epsilon;
        private readonly List<Tensor> _sums;

        public Adagrad(IReadOnlyList<(Parameter, double)> parameters) : base(parameters)
        {
            _epsilon = Hold(1e-10);
            _sums = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _sums;

        protected override void Update(int index, Parameter parameter, Tensor grad)
        {
            var sum = _sums[index].addcmul_(grad, grad, One);
            parameter.addcdiv_(grad, sum.sqrt().add_(_epsilon, One), NegativeLearningRate(index));
        }
    }

    /// <summary>v ← α·v + (1 − α)·g²; p ← p − lr·g / (√v + ε).</summary>
    private sealed class RmsProp : TrainingOptimizer
    {
        private readonly Scalar _alpha, _oneMinusAlpha, _epsilon;
        private readonly List<Tensor> _squares;

        public RmsProp(IReadOnlyList<(Parameter, double)> parameters, double alpha, double epsilon) : base(parameters)
        {
            (_alpha, _oneMinusAlpha, _epsilon) = (Hold(alpha), Hold(1 - alpha), Hold(epsilon));
            _squares = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _squares;

        protected override void Update(int index, Parameter parameter, Tensor grad)
        {
            var square = _squares[index].mul_(_alpha).addcmul_(grad, grad, _oneMinusAlpha);
            parameter.addcdiv_(grad, square.sqrt().add_(_epsilon, One), NegativeLearningRate(index));
        }
    }

    /// <summary>Adam with bias correction: m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε).</summary>
    private sealed class Adam : TrainingOptimizer
    {
        private readonly double _beta1, _beta2;
        private readonly Scalar _b1, _oneMinusB1, _b2, _oneMinusB2, _epsilon;
        private readonly List<Tensor> _means, _variances;

        public Adam(IReadOnlyList<(Parameter, double)> parameters, double beta1, double beta2, double epsilon) : base(parameters)
        {
            (_beta1, _beta2) = (beta1, beta2);
            (_b1, _oneMinusB1, _b2, _oneMinusB2, _epsilon) = (Hold(beta1), Hold(1 - beta1), Hold(beta2), Hold(1 - beta2), Hold(epsilon));
            _means = ZerosLikeParameters();
            _variances = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _means.Concat(_variances);

        protected override void Update(int index, Parameter parameter, Tensor grad)
        {
            var mean = _means[index].mul_(_b1).add_(grad, _oneMinusB1);
            var variance = _variances[index].mul_(_b2).addcmul_(grad, grad, _oneMinusB2);
            double correction1 = 1 - Math.Pow(_beta1, Steps), correction2 = 1 - Math.Pow(_beta2, Steps);
            using Scalar negativeStep = -LearningRate(index) / correction1, sqrtCorrection2 = Math.Sqrt(correction2);
            var denominator = variance.sqrt().div_(sqrtCorrection2).add_(_epsilon, One);
            parameter.addcdiv_(mean, denominator, negativeStep);
        }
    }
}
