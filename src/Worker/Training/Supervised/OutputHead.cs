using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// How a supervised network's output is read — in training and in predictions alike: the target encoding, the
/// loss, the predicted class and the class probabilities. Playground labels are ±1. One output with mse/mae/huber
/// learns ±1 (0/1 behind a sigmoid), as in the playground; two outputs learn one-hot (or class indices with
/// cross-entropy); binary cross-entropy learns 0/1 from a logit. Image labels are class indices 0…K−1: cross-entropy
/// learns them directly, the other losses as one-hot rows; the predicted class is the largest output. Regression
/// learns the label itself.
/// <para>
/// A trailing softmax (for cross-entropy) or sigmoid (for binary cross-entropy) is kept out of the built network
/// (<see cref="Network"/>) and applied by the loss on logits, the numerically stable form; <see cref="Stripped"/>
/// says which, so that probabilities apply it.
/// </para>
/// </summary>
public sealed class OutputHead
{
    private readonly TrainingSpec _training;
    private readonly LabelEncoding _labels;
    private readonly int _classes;
    private readonly bool _sigmoidOutput;
    private readonly ActivationFunction? _lastActivation;

    public OutputHead(SupervisedSpec spec)
    {
        _training = spec.Training;
        _labels = spec.Dataset.Labels();
        _classes = spec.Dataset.ClassCount();
        var layers = spec.Network.Layers;
        _lastActivation = layers.Count > 0 && layers[^1] is ActivationLayer last ? last.Function : null;
        if ((_lastActivation == ActivationFunction.Softmax && _training.Loss == LossFunction.CrossEntropy) ||
            (_lastActivation == ActivationFunction.Sigmoid && _training.Loss == LossFunction.BinaryCrossEntropy))
        {
            Stripped = _lastActivation;
            Network = spec.Network with { Layers = layers.Take(layers.Count - 1).ToList() };
        }
        else Network = spec.Network;
        Width = ShapeInference.Output(spec.Network, spec.Dataset.SampleShape())[0];
        _sigmoidOutput = Network.Layers.Count > 0 && Network.Layers[^1] is ActivationLayer { Function: ActivationFunction.Sigmoid };
    }

    /// <summary>The network to build: the spec's, less the output activation the loss applies itself.</summary>
    public NetworkSpec Network { get; }

    public ActivationFunction? Stripped { get; }

    /// <summary>The number of outputs.</summary>
    public int Width { get; }

    public bool IsClassification => _classes > 0;

    /// <summary>Turns raw labels (±1, class indices, values) into the targets the loss compares with.</summary>
    public Tensor Targets(Tensor labels)
    {
        if (!IsClassification) return labels.unsqueeze(1);
        using var scope = NewDisposeScope();
        if (_labels == LabelEncoding.ClassIndex)
        {
            var indices = labels.to_type(ScalarType.Int64);
            var encoded = _training.Loss == LossFunction.CrossEntropy ? indices
                : Width == 1 ? labels.unsqueeze(1) // two classes as 0/1 (binary cross-entropy)
                : nn.functional.one_hot(indices, _classes).to_type(labels.dtype);
            return encoded.MoveToOuterDisposeScope();
        }
        var positive = labels.gt(Held.Zero);
        var targets = _training.Loss == LossFunction.CrossEntropy ? positive.to_type(ScalarType.Int64)
            : Width == 2 ? nn.functional.one_hot(positive.to_type(ScalarType.Int64), 2).to_type(labels.dtype)
            : _training.Loss == LossFunction.BinaryCrossEntropy || _sigmoidOutput ? positive.to_type(labels.dtype).unsqueeze(1)
            : labels.unsqueeze(1);
        return targets.MoveToOuterDisposeScope();
    }

    // The validator lets binary cross-entropy end only in a (stripped) sigmoid or in raw logits.
    public Tensor Loss(Tensor output, Tensor targets) => Losses.Mean(_training, output, targets);

    /// <summary>The loss over every element summed in double, and how many elements there were (see <see cref="Losses.Sum"/>).</summary>
    public (double Sum, long Count) LossSum(Tensor output, Tensor targets) => Losses.Sum(_training, output, targets);

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
        // Logits and ±1 outputs split at 0; a sigmoid's 0/1 output at 0.5.
        var threshold = _training.Loss != LossFunction.BinaryCrossEntropy && _sigmoidOutput ? Held.Half : Held.Zero;
        var predicted = Width > 1 ? output.argmax(1) : output.squeeze(1).ge(threshold).to_type(ScalarType.Int64);
        return predicted.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The true class of each encoded target from <see cref="Targets"/>: class indices as they are, one-hot rows
    /// by their 1, ±1 and 0/1 above 0.
    /// </summary>
    public Tensor TrueClass(Tensor targets)
    {
        using var scope = NewDisposeScope();
        var truth = _training.Loss == LossFunction.CrossEntropy ? targets.alias()
            : Width > 1 ? targets.argmax(1)
            : targets.squeeze(1).gt(Held.Zero).to_type(ScalarType.Int64);
        return truth.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Class probabilities from the built network's output: a softmax over several outputs (unless the network ends in
    /// one), and for one output P(+1): the sigmoid of a logit, a sigmoid's own output, or (tanh, ±1) (o + 1) / 2.
    /// </summary>
    public Tensor Probabilities(Tensor output)
    {
        using var scope = NewDisposeScope();
        if (Width > 1)
        {
            var probabilities = _lastActivation == ActivationFunction.Softmax && Stripped is null ? output.alias() : output.softmax(1);
            return probabilities.MoveToOuterDisposeScope();
        }
        var p = Stripped == ActivationFunction.Sigmoid || (_lastActivation is null && _training.Loss == LossFunction.BinaryCrossEntropy) ? output.sigmoid()
            : _lastActivation == ActivationFunction.Sigmoid ? output.alias()
            : output.add(Held.One, Held.One).div(Held.Two).clamp(Held.Zero, Held.One);
        return cat([p.neg().add(Held.One, Held.One), p], 1).MoveToOuterDisposeScope();
    }
}
