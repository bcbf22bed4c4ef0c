using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Api.Tests;

/// <summary>
/// Dojo keeps its own optimizers (they hold their Scalars; dotnet/TorchSharp#1434), so they must compute what
/// TorchSharp's <c>torch.optim</c> computes: the same parameters, the same gradients, a few steps side by side.
/// </summary>
public sealed class OptimizerReferenceTests
{
    private const int Steps = 6;

    public static TheoryData<OptimizerKind> Kinds => new(Enum.GetValues<OptimizerKind>());

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_step_matches_torch_optim(OptimizerKind kind)
    {
        var spec = new OptimizerSpec { Kind = kind, LearningRate = 0.05, Momentum = 0.8, Alpha = 0.95, Beta1 = 0.85, Beta2 = 0.99, Epsilon = 1e-6 };
        var (ours, theirs) = TwinParameters();
        using var dojo = TrainingOptimizer.Create(spec, ours);
        using var reference = Reference(spec, theirs, weightDecay: 0);

        StepSideBySide(dojo, ours, reference, theirs, kind.ToString());
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void Each_parameter_keeps_its_own_learning_rate(OptimizerKind kind)
    {
        var spec = new OptimizerSpec { Kind = kind, LearningRate = 0.05 };
        var (ours, theirs) = TwinParameters();
        using var dojo = TrainingOptimizer.Create(spec, [(ours[0], 0.005), (ours[1], 0.05)]);
        using optim.Optimizer reference = kind == OptimizerKind.Adam
            ? optim.Adam([new Adam.ParamGroup([theirs[0]], new Adam.Options { LearningRate = 0.005 }), new Adam.ParamGroup([theirs[1]], new Adam.Options { LearningRate = 0.05 })], 0.05)
            : optim.SGD([new SGD.ParamGroup([theirs[0]], new SGD.Options { LearningRate = 0.005 }), new SGD.ParamGroup([theirs[1]], new SGD.Options { LearningRate = 0.05 })], 0.05);

        StepSideBySide(dojo, ours, reference, theirs, $"{kind} with two rates");
    }

    /// <summary>
    /// An L2 penalty λ/2·Σw² on the weights (not the biases) is what torch.optim calls weight decay λ, for plain SGD and
    /// for Adam alike; L1 adds λ·sign(w) to each weight's gradient.
    /// </summary>
    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adam)]
    public void L2_is_torch_optims_weight_decay_on_the_weights_and_l1_adds_lambda_sign(OptimizerKind kind)
    {
        const double lambda = 0.1;
        var spec = new OptimizerSpec { Kind = kind, LearningRate = 0.05, L2 = lambda };
        var (ours, theirs) = TwinParameters();
        using var dojo = TrainingOptimizer.Create(spec, ours);
        using var penalty = new Dojo.Worker.Training.WeightPenalty(spec, [ours[0]]);
        using optim.Optimizer reference = kind == OptimizerKind.Adam
            ? optim.Adam([new Adam.ParamGroup([theirs[0]], new Adam.Options { LearningRate = 0.05, weight_decay = lambda }), new Adam.ParamGroup([theirs[1]], new Adam.Options { LearningRate = 0.05 })], 0.05)
            : optim.SGD([new SGD.ParamGroup([theirs[0]], new SGD.Options { LearningRate = 0.05, weight_decay = lambda }), new SGD.ParamGroup([theirs[1]], new SGD.Options { LearningRate = 0.05 })], 0.05);
        for (int step = 1; step <= Steps; step++)
        {
            using (var scope = NewDisposeScope()) penalty.AddTo(Loss(ours, step)).backward();
            using (var scope = NewDisposeScope()) Loss(theirs, step).backward();
            dojo.Step();
            reference.step();
            AssertClose(theirs, ours, $"{kind} with L2, step {step}");
            dojo.ZeroGrad();
            reference.zero_grad();
        }

        var l1 = new OptimizerSpec { L1 = lambda };
        var (weights, plain) = TwinParameters();
        using var l1Penalty = new Dojo.Worker.Training.WeightPenalty(l1, [weights[0]]);
        using (var scope = NewDisposeScope()) l1Penalty.AddTo(Loss(weights, 1)).backward();
        using (var scope = NewDisposeScope()) Loss(plain, 1).backward();
        using var expected = plain[0].grad!.add(plain[0].detach().sign().mul(lambda));
        AssertClose([new Parameter(expected.clone())], [new Parameter(weights[0].grad!.clone())], "L1 gradient");
        Assert.Equal(plain[1].grad!.data<float>().ToArray(), weights[1].grad!.data<float>().ToArray()); // biases: no penalty
    }

    /// <summary>The same gradients into both, a step of each, the same parameters after every step.</summary>
    private static void StepSideBySide(TrainingOptimizer dojo, Parameter[] ours, optim.Optimizer reference, Parameter[] theirs, string what)
    {
        for (int step = 1; step <= Steps; step++)
        {
            Backward(ours, step);
            Backward(theirs, step);
            dojo.Step();
            reference.step();
            AssertClose(theirs, ours, $"{what}, step {step}");
            dojo.ZeroGrad();
            reference.zero_grad();
        }
    }

    /// <summary>The same starting values twice: a weight matrix and a bias.</summary>
    private static (Parameter[] Ours, Parameter[] Theirs) TwinParameters()
    {
        using var generator = new Generator(7);
        using var weight = randn([4, 3], generator: generator);
        using var bias = randn([4], generator: generator);
        return ([new Parameter(weight.clone()), new Parameter(bias.clone())], [new Parameter(weight.clone()), new Parameter(bias.clone())]);
    }

    /// <summary>Gradients that depend on the parameters and change every step: a loss of squares and a drift.</summary>
    private static void Backward(IReadOnlyList<Parameter> parameters, int step)
    {
        using var scope = NewDisposeScope();
        Loss(parameters, step).backward();
    }

    private static Tensor Loss(IReadOnlyList<Parameter> parameters, int step)
    {
        using var generator = new Generator((ulong)step);
        var loss = zeros(1);
        foreach (var p in parameters)
        {
            var drift = randn(p.shape, generator: generator);
            loss = loss + (p.square() * 0.5 + p * drift).sum();
        }
        return loss;
    }

    private static optim.Optimizer Reference(OptimizerSpec spec, Parameter[] parameters, double weightDecay) => spec.Kind switch
    {
        OptimizerKind.Sgd => optim.SGD(parameters, spec.LearningRate, weight_decay: weightDecay),
        OptimizerKind.Momentum => optim.SGD(parameters, spec.LearningRate, momentum: spec.Momentum, weight_decay: weightDecay),
        OptimizerKind.Adagrad => optim.Adagrad(parameters, spec.LearningRate, weight_decay: weightDecay),
        OptimizerKind.Rmsprop => optim.RMSProp(parameters, spec.LearningRate, alpha: spec.Alpha, eps: spec.Epsilon, weight_decay: weightDecay),
        OptimizerKind.Adam => optim.Adam(parameters, spec.LearningRate, beta1: spec.Beta1, beta2: spec.Beta2, eps: spec.Epsilon, weight_decay: weightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    private static void AssertClose(IReadOnlyList<Parameter> expected, IReadOnlyList<Parameter> actual, string what)
    {
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i].detach().data<float>().ToArray();
            var a = actual[i].detach().data<float>().ToArray();
            for (int k = 0; k < e.Length; k++)
                Assert.True(Math.Abs(e[k] - a[k]) <= 1e-6 + 1e-5 * Math.Abs(e[k]), $"{what}: parameter {i}[{k}] is {a[k]}, torch.optim gives {e[k]}");
        }
    }
}
