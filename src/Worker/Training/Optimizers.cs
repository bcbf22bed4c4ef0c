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
/// <para>
/// Parameters that learn at one rate are packed into one buffer (each parameter becomes a view of it, and so does its
/// gradient, which backward accumulates into in place), so a step is a handful of operations over all of them —
/// PyTorch's <c>_foreach</c>/fused idea — instead of a handful per parameter: for LeNet's ten tensors, about 80 small
/// libtorch calls become 8. The state (moments, sums) is packed the same way; checkpoints still hold it per parameter,
/// in parameter order. State tensors exist from the start (zeros), so a checkpoint restores them in place.
/// </para>
/// </summary>
public abstract class TrainingOptimizer : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>The parameters that learn at one rate: one buffer of their values and one of their gradients.</summary>
    protected sealed record Group(Tensor Values, Tensor Gradients, double Rate, Scalar NegativeRate, IReadOnlyList<int> Members);

    /// <summary>Each parameter with its learning rate (fine-tuned layers learn slower than new ones).</summary>
    protected TrainingOptimizer(IReadOnlyList<(Parameter Parameter, double LearningRate)> parameters)
    {
        Parameters = parameters.Select(p => p.Parameter).ToList();
        Groups = parameters.Select((p, index) => (p.LearningRate, index)).GroupBy(p => p.LearningRate)
            .Select(members => Pack(members.Select(m => m.index).ToList(), members.Key, Hold(-members.Key))).ToList();
    }

    protected IReadOnlyList<Parameter> Parameters { get; }
    protected IReadOnlyList<Group> Groups { get; }
    /// <summary>1, held: pass it as the alpha of add_ (its one-argument overloads convert an implicit 1 that the GC may free).</summary>
    protected static Scalar One => Held.One;
    protected long Steps { get; private set; }

    /// <summary>The state saved in checkpoints, per parameter in a fixed order.</summary>
    protected abstract IEnumerable<Tensor> State { get; }

    /// <summary>
    /// Moves the group's parameters into one buffer (their values copied, each parameter then a view of it) and gives
    /// each a gradient that is a view of a second buffer. Parameters of different types or devices cannot share a
    /// buffer (none occur in Dojo's networks): such a mix is refused here.
    /// </summary>
    private Group Pack(IReadOnlyList<int> members, double rate, Scalar negativeRate)
    {
        var first = Parameters[members[0]];
        foreach (var parameter in members.Select(i => Parameters[i]))
            if (parameter.dtype != first.dtype || parameter.device_type != first.device_type || parameter.device_index != first.device_index)
                throw new ArgumentException($"parameters learning at one rate must share a type and a device ({parameter.dtype} on {parameter.device}, {first.dtype} on {first.device})");
        long total = members.Sum(i => Parameters[i].numel());
        var values = Own(empty(total, dtype: first.dtype, device: first.device));
        var gradients = Own(zeros(total, dtype: first.dtype, device: first.device));
        using var _ = no_grad();
        foreach (var (i, view, gradient) in members.Zip(Views(values, members), Views(gradients, members)))
        {
            using (view) using (gradient)
            {
                view.copy_(Parameters[i]);
                Parameters[i].set_(view);
                Parameters[i].grad = gradient;
            }
        }
        return new Group(values, gradients, rate, negativeRate, members);
    }

    public void ZeroGrad()
    {
        foreach (var group in Groups) group.Gradients.zero_();
    }

    public void Step()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Steps++;
        for (int g = 0; g < Groups.Count; g++) Update(g, Groups[g]);
    }

    /// <summary>One update of a group's values from its gradients (and the optimizer's state for group <paramref name="index"/>).</summary>
    protected abstract void Update(int index, Group group);

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

    private Tensor Own(Tensor tensor)
    {
        _owned.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }

    /// <summary>A state buffer per group (zeros), and the same as one view per parameter, in parameter order (for checkpoints).</summary>
    protected (List<Tensor> PerGroup, List<Tensor> PerParameter) ZerosLikeParameters()
    {
        var perGroup = Groups.Select(g => Own(zeros_like(g.Values))).ToList();
        var perParameter = new Tensor[Parameters.Count];
        for (int g = 0; g < Groups.Count; g++)
            foreach (var (i, view) in Groups[g].Members.Zip(Views(perGroup[g], Groups[g].Members)))
                perParameter[i] = Own(view);
        return (perGroup, perParameter.ToList());
    }

    /// <summary>One view of a group's buffer per member, in that parameter's shape, one after another.</summary>
    private List<Tensor> Views(Tensor buffer, IReadOnlyList<int> members)
    {
        var views = new List<Tensor>();
        long offset = 0;
        foreach (int i in members)
        {
            long count = Parameters[i].numel();
            using var slot = buffer.narrow(0, offset, count);
            views.Add(slot.view(Parameters[i].shape));
            offset += count;
        }
        return views;
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
        protected override void Update(int index, Group group) => group.Values.add_(group.Gradients, group.NegativeRate);
    }

    /// <summary>b ← μ·b + g; p ← p − lr·b (PyTorch's SGD with momentum, no dampening).</summary>
    private sealed class Momentum : TrainingOptimizer
    {
        private readonly Scalar _mu;
        private readonly (List<Tensor> PerGroup, List<Tensor> PerParameter) _buffers;

        public Momentum(IReadOnlyList<(Parameter, double)> parameters, double mu) : base(parameters)
        {
            _mu = Hold(mu);
            _buffers = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _buffers.PerParameter;

        protected override void Update(int index, Group group)
        {
            var buffer = _buffers.PerGroup[index].mul_(_mu).add_(group.Gradients, One);
            group.Values.add_(buffer, group.NegativeRate);
        }
    }

    /// <summary>s ← s + g²; p ← p − lr·g / (√s + 1e-10) (PyTorch's Adagrad defaults).</summary>
    private sealed class Adagrad : TrainingOptimizer
    {
        private readonly Scalar _epsilon;
        private readonly (List<Tensor> PerGroup, List<Tensor> PerParameter) _sums;

        public Adagrad(IReadOnlyList<(Parameter, double)> parameters) : base(parameters)
        {
            _epsilon = Hold(1e-10);
            _sums = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _sums.PerParameter;

        protected override void Update(int index, Group group)
        {
            var grad = group.Gradients;
            var sum = _sums.PerGroup[index].addcmul_(grad, grad, One);
            group.Values.addcdiv_(grad, sum.sqrt().add_(_epsilon, One), group.NegativeRate);
        }
    }

    /// <summary>v ← α·v + (1 − α)·g²; p ← p − lr·g / (√v + ε).</summary>
    private sealed class RmsProp : TrainingOptimizer
    {
        private readonly Scalar _alpha, _oneMinusAlpha, _epsilon;
        private readonly (List<Tensor> PerGroup, List<Tensor> PerParameter) _squares;

        public RmsProp(IReadOnlyList<(Parameter, double)> parameters, double alpha, double epsilon) : base(parameters)
        {
            (_alpha, _oneMinusAlpha, _epsilon) = (Hold(alpha), Hold(1 - alpha), Hold(epsilon));
            _squares = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _squares.PerParameter;

        protected override void Update(int index, Group group)
        {
            var grad = group.Gradients;
            var square = _squares.PerGroup[index].mul_(_alpha).addcmul_(grad, grad, _oneMinusAlpha);
            group.Values.addcdiv_(grad, square.sqrt().add_(_epsilon, One), group.NegativeRate);
        }
    }

    /// <summary>Adam with bias correction: m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε).</summary>
    private sealed class Adam : TrainingOptimizer
    {
        private readonly double _beta1, _beta2;
        private readonly Scalar _b1, _oneMinusB1, _b2, _oneMinusB2, _epsilon;
        private readonly (List<Tensor> PerGroup, List<Tensor> PerParameter) _means, _variances;

        public Adam(IReadOnlyList<(Parameter, double)> parameters, double beta1, double beta2, double epsilon) : base(parameters)
        {
            (_beta1, _beta2) = (beta1, beta2);
            (_b1, _oneMinusB1, _b2, _oneMinusB2, _epsilon) = (Hold(beta1), Hold(1 - beta1), Hold(beta2), Hold(1 - beta2), Hold(epsilon));
            _means = ZerosLikeParameters();
            _variances = ZerosLikeParameters();
        }

        protected override IEnumerable<Tensor> State => _means.PerParameter.Concat(_variances.PerParameter);

        protected override void Update(int index, Group group)
        {
            var grad = group.Gradients;
            var mean = _means.PerGroup[index].mul_(_b1).add_(grad, _oneMinusB1);
            var variance = _variances.PerGroup[index].mul_(_b2).addcmul_(grad, grad, _oneMinusB2);
            double correction1 = 1 - Math.Pow(_beta1, Steps), correction2 = 1 - Math.Pow(_beta2, Steps);
            using Scalar negativeStep = -group.Rate / correction1, sqrtCorrection2 = Math.Sqrt(correction2);
            var denominator = variance.sqrt().div_(sqrtCorrection2).add_(_epsilon, One);
            group.Values.addcdiv_(mean, denominator, negativeStep);
        }
    }
}
