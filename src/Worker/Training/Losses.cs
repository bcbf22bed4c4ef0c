using Dojo.Domain.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// The losses a <c>training.loss</c> names, on outputs and targets already encoded for it: the mean a step
/// minimises, and the evaluation's sum over every element — in double, in index order, on the CPU — a figure that
/// does not depend on how libtorch splits a reduction (threads, vector width, alignment).
/// </summary>
public static class Losses
{
    public static Tensor Mean(TrainingSpec training, Tensor output, Tensor targets) => Mean(training.Loss, training.HuberDelta, output, targets);

    public static Tensor Mean(LossFunction loss, double huberDelta, Tensor output, Tensor targets) => loss switch
    {
        LossFunction.Mse => nn.functional.mse_loss(output, targets),
        LossFunction.HalfMse => nn.functional.mse_loss(output, targets).mul_(Held.Half),
        LossFunction.Mae => nn.functional.l1_loss(output, targets),
        LossFunction.Huber => nn.functional.huber_loss(output, targets, huberDelta),
        LossFunction.CrossEntropy => nn.functional.cross_entropy(output, targets),
        LossFunction.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output, targets),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
    };

    /// <summary>The summed loss over every element, and how many elements there were.</summary>
    public static (double Sum, long Count) Sum(TrainingSpec training, Tensor output, Tensor targets) => Sum(training.Loss, training.HuberDelta, output, targets);

    public static (double Sum, long Count) Sum(LossFunction loss, double huberDelta, Tensor output, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var values = Each(loss, huberDelta, output, targets).cpu().data<float>().ToArray();
        double sum = 0;
        foreach (float value in values) sum += value;
        return (sum, values.Length);
    }

    private static Tensor Each(LossFunction loss, double huberDelta, Tensor output, Tensor targets) => loss switch
    {
        LossFunction.Mse => nn.functional.mse_loss(output, targets, nn.Reduction.None),
        LossFunction.HalfMse => nn.functional.mse_loss(output, targets, nn.Reduction.None).mul_(Held.Half),
        LossFunction.Mae => nn.functional.l1_loss(output, targets, nn.Reduction.None),
        LossFunction.Huber => nn.functional.huber_loss(output, targets, huberDelta, nn.Reduction.None),
        LossFunction.CrossEntropy => nn.functional.cross_entropy(output, targets, reduction: nn.Reduction.None),
        LossFunction.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output, targets, reduction: nn.Reduction.None),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
    };
}
