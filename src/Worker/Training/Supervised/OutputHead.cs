using TorchSharp;
using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// How a network's output meets the labels: the target encoding, the loss and the predicted class.
/// Playground labels are ±1. One output with mse/mae/huber learns ±1 (0/1 behind a sigmoid), as in the
/// playground; two outputs learn one-hot (or class indices with cross-entropy); binary cross-entropy
/// learns 0/1 from a logit. Image labels are class indices 0…K−1: cross-entropy learns them directly,
/// the other losses as one-hot rows; the predicted class is the largest output. Regression learns the
/// label itself.
/// </summary>
public sealed class OutputHead(TrainingSpec training, BuiltModel model, TrainingData data) : IDisposable
{
    private readonly bool isRegression = data.IsRegression;
    private readonly bool _classIndex = data.Labels == LabelEncoding.ClassIndex;

    private readonly bool _sigmoidOutput = model.Net.Count > 0 && LastIsSigmoid(model);

    // Scalars used every step are held here: TorchSharp leaves implicitly converted Scalars to the GC,
    // whose finalizer can free one while libtorch still reads it (seen: "Expected false to be true ... toFloat").
    private readonly Scalar _zero = 0, _one = 1, _half = 0.5;
    private Scalar? _threshold;
    private Scalar ThresholdScalar => _threshold ??= Threshold;

    public bool IsClassification => !isRegression;

    /// <summary>Turns raw ±1 labels into the targets the loss compares with.</summary>
    public Tensor Targets(Tensor labels)
    {
        if (isRegression) return labels.unsqueeze(1);
        using var scope = NewDisposeScope();
        if (_classIndex)
        {
            var indices = labels.to_type(ScalarType.Int64);
            var encoded = training.Loss == LossFunction.CrossEntropy ? indices
                : model.OutputWidth == 1 ? labels.unsqueeze(1) // two classes as 0/1 (binary cross-entropy)
                : nn.functional.one_hot(indices, data.Classes).to_type(labels.dtype);
            return encoded.MoveToOuterDisposeScope();
        }
        var positive = labels.gt(_zero);
        var targets = training.Loss == LossFunction.CrossEntropy ? positive.to_type(ScalarType.Int64)
            : model.OutputWidth == 2 ? nn.functional.one_hot(positive.to_type(ScalarType.Int64), 2).to_type(labels.dtype)
            : training.Loss == LossFunction.BinaryCrossEntropy || _sigmoidOutput ? positive.to_type(labels.dtype).unsqueeze(1)
            : labels.unsqueeze(1);
        return targets.MoveToOuterDisposeScope();
    }

    public Tensor Loss(Tensor output, Tensor targets) => training.Loss switch
    {
        LossFunction.Mse => nn.functional.mse_loss(output, targets),
        LossFunction.HalfMse => nn.functional.mse_loss(output, targets).mul_(_half),
        LossFunction.Mae => nn.functional.l1_loss(output, targets),
        LossFunction.Huber => nn.functional.huber_loss(output, targets, training.HuberDelta),
        LossFunction.CrossEntropy => nn.functional.cross_entropy(output, targets),
        // The validator lets binary cross-entropy end only in a (stripped) sigmoid or in raw logits.
        LossFunction.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output, targets),
        _ => throw new ArgumentOutOfRangeException(nameof(training), training.Loss, null),
    };

    /// <summary>
    /// How many outputs name the right class (classification only), as a 0-d tensor so that the training
    /// loop can add it up without waiting for the device.
    /// </summary>
    public Tensor Correct(Tensor output, Tensor targets)
    {
        using var scope = NewDisposeScope();
        return PredictedClass(output).eq(TrueClass(targets)).sum().MoveToOuterDisposeScope();
    }

    /// <summary>The class each output names, as indices into the data's classes (for ±1 labels: 0 is −1, 1 is +1).</summary>
    public Tensor PredictedClass(Tensor output)
    {
        using var scope = NewDisposeScope();
        int width = model.OutputWidth;
        var predicted = width > 1 ? output.argmax(1) : output.squeeze(1).ge(ThresholdScalar).to_type(ScalarType.Int64);
        return predicted.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The true class of each encoded target from <see cref="Targets"/>: class indices as they are, one-hot rows
    /// by their 1, ±1 and 0/1 above 0.
    /// </summary>
    public Tensor TrueClass(Tensor targets)
    {
        using var scope = NewDisposeScope();
        var truth = training.Loss == LossFunction.CrossEntropy ? targets.alias()
            : model.OutputWidth > 1 ? targets.argmax(1)
            : targets.squeeze(1).gt(_zero).to_type(ScalarType.Int64);
        return truth.MoveToOuterDisposeScope();
    }

    /// <summary>Logits and ±1 outputs split at 0; a sigmoid's 0/1 output at 0.5.</summary>
    private double Threshold => training.Loss != LossFunction.BinaryCrossEntropy && _sigmoidOutput ? 0.5 : 0.0;

    private static bool LastIsSigmoid(BuiltModel model) =>
        model.Net.children().LastOrDefault() is TorchSharp.Modules.Sigmoid;

    public void Dispose()
    {
        _zero.Dispose();
        _one.Dispose();
        _half.Dispose();
        _threshold?.Dispose();
    }
}
