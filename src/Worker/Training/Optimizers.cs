using Dojo.Domain.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

public static class Optimizers
{
    public static OptimizerHelper Create(OptimizerSpec spec, IEnumerable<Parameter> parameters) => spec.Kind switch
    {
        OptimizerKind.Sgd => optim.SGD(parameters, spec.LearningRate),
        OptimizerKind.Momentum => optim.SGD(parameters, spec.LearningRate, momentum: spec.Momentum),
        OptimizerKind.Adagrad => optim.Adagrad(parameters, spec.LearningRate),
        OptimizerKind.Rmsprop => optim.RMSProp(parameters, spec.LearningRate, alpha: spec.Alpha, eps: spec.Epsilon),
        OptimizerKind.Adam => optim.Adam(parameters, spec.LearningRate, spec.Beta1, spec.Beta2, spec.Epsilon),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, null),
    };
}
