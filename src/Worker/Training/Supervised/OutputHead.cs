using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// How a network's output meets the labels: the target encoding, the loss and the predicted class.
/// Playground labels are ±1. One output with mse/mae/huber learns ±1 (0/1 behind a sigmoid), as in the
/// playground; two outputs learn one-hot (or class indices with cross-entropy); binary cross-entropy
/// learns 0/1 from a logit. Regression learns the label itself.
/// </summary>
public sealed class OutputHead(TrainingSpec training, BuiltModel model, bool isRegression)
{
    private readonly bool _sigmoidOutput = model.Net.Count > 0 && LastIsSigmoid(model);

    public bool IsClassification => !isRegression;

    /// <summary>Turns raw ±1 labels into the targets the loss compares with.</summary>
    public Tensor Targets(Tensor labels)
    {
        if (isRegression) return labels.unsqueeze(1);
        if (training.Loss == LossFunction.CrossEntropy) return labels.gt(0).to_type(ScalarType.Int64);
        if (model.OutputWidth == 2) return nn.functional.one_hot(labels.gt(0).to_type(ScalarType.Int64), 2).to_type(labels.dtype);
        if (training.Loss == LossFunction.BinaryCrossEntropy || _sigmoidOutput) return labels.gt(0).to_type(labels.dtype).unsqueeze(1);
        return labels.unsqueeze(1);
    }

    public Tensor Loss(Tensor output, Tensor targets) => training.Loss switch
    {
        LossFunction.Mse => nn.functional.mse_loss(output, targets),
        LossFunction.Mae => nn.functional.l1_loss(output, targets),
        LossFunction.Huber => nn.functional.huber_loss(output, targets, training.HuberDelta),
        LossFunction.CrossEntropy => nn.functional.cross_entropy(output, targets),
        // The validator lets binary cross-entropy end only in a (stripped) sigmoid or in raw logits.
        LossFunction.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output, targets),
        _ => throw new ArgumentOutOfRangeException(nameof(training), training.Loss, null),
    };

    /// <summary>How many outputs name the right class (classification only).</summary>
    public long Correct(Tensor output, Tensor labels)
    {
        using var truth = labels.gt(0);
        using var predicted = model.OutputWidth == 2
            ? output.argmax(1).eq(1)
            : output.squeeze(1).ge(Threshold);
        using var hits = predicted.eq(truth);
        return hits.sum().item<long>();
    }

    /// <summary>Logits and ±1 outputs split at 0; a sigmoid's 0/1 output at 0.5.</summary>
    private double Threshold => training.Loss != LossFunction.BinaryCrossEntropy && _sigmoidOutput ? 0.5 : 0.0;

    private static bool LastIsSigmoid(BuiltModel model) =>
        model.Net.children().LastOrDefault() is TorchSharp.Modules.Sigmoid;
}
