using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Supervised;

/// <summary>
/// Checks a supervised job before it is stored: the data set, optimizer and training ranges, the network through
/// shape inference, and an output that fits the data set and the loss. Each problem is reported under the JSON
/// path of the offending value (<c>network.layers[3].units</c>).
/// </summary>
public static class SupervisedValidator
{
    public static IReadOnlyDictionary<string, string[]> Validate(SupervisedSpec spec, SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (spec.Dataset.CheckFor(JobKinds.Supervised, errors, "dataset")) spec.Dataset.Validate(limits, errors, "dataset");
        spec.Optimizer.Validate(errors, "optimizer");
        spec.Training.Validate(limits, errors, "training");
        if (errors.Count > 0) return errors.ToDictionary();

        var layers = spec.Network.Layers;
        if (NetworkChecks.Check(spec.Network, spec.Dataset.SampleShape(), limits, errors, "network") is not { } output) return errors.ToDictionary();
        if (output.Length != 1)
            errors.Add(layers.Count == 0 ? "network.layers" : $"network.layers[{layers.Count - 1}]",
                $"the network ends with {ShapeInference.Format(output)}; it must end flat (add flatten or globalAvgPool and a dense layer)");
        else
            ValidateOutput(spec, output[0], errors);
        return errors.ToDictionary();
    }

    /// <summary>
    /// Whether the network can start from <paramref name="source"/>: a supervised job with the same input shape and,
    /// for the kept layers, the same layers (names and initialisation aside). Problems are keyed by the field to fix.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> CheckTransferSource(SupervisedSpec spec, JobSpec source)
    {
        var errors = new ValidationErrors();
        var transfer = spec.Network.Transfer!;
        if (source is not SupervisedSpec trained)
        {
            errors.Add("network.transfer.fromJob", $"the job is a {source.Kind} job; layers are taken from supervised ones");
            return errors.ToDictionary();
        }
        var (input, sourceInput) = (spec.Dataset.SampleShape(), trained.Dataset.SampleShape());
        if (!input.SequenceEqual(sourceInput))
            errors.Add("network.transfer.fromJob", $"the job was trained on {ShapeInference.Format(sourceInput)} inputs; this data set gives {ShapeInference.Format(input)}");
        else if (trained.Network.Layers.Count < transfer.Keep)
            errors.Add("network.transfer.keep", $"the job has only {trained.Network.Layers.Count} layers");
        else
            for (int i = 0; i < transfer.Keep; i++)
            {
                string mine = SpecJson.Serialize(Comparable(spec.Network.Layers[i])), theirs = SpecJson.Serialize(Comparable(trained.Network.Layers[i]));
                if (mine != theirs) errors.Add($"network.layers[{i}]", $"is kept from the job, so it must be its layer {i}: {theirs}");
            }
        return errors.ToDictionary();
    }

    private static LayerSpec Comparable(LayerSpec layer) => layer switch
    {
        DenseLayer dense => dense with { Name = null, Init = null },
        Conv2dLayer conv => conv with { Name = null, Init = null },
        RecurrentLayer recurrent => recurrent with { Name = null, Init = null },
        EmbeddingLayer embedding => embedding with { Name = null, Init = null },
        _ => layer with { Name = null },
    };

    private static void ValidateOutput(SupervisedSpec spec, long width, ValidationErrors errors)
    {
        var loss = spec.Training.Loss;
        var layers = spec.Network.Layers;
        var last = layers.OfType<ActivationLayer>().LastOrDefault();
        bool endsWithSoftmax = layers.Count > 0 && layers[^1] is ActivationLayer { Function: ActivationFunction.Softmax };
        string where = layers.Count == 0 ? "network.layers" : $"network.layers[{layers.Count - 1}]";

        int classes = spec.Dataset.ClassCount();
        if (classes == 0)
        {
            string regression = spec.Dataset is PlaygroundDatasetSpec playground ? $"'{SpecJson.Name(playground.Generator)}'" : "this data set";
            if (width != 1)
                errors.Add(where, $"the network ends with {width} outputs; regression on {regression} needs 1");
            if (loss is LossFunction.CrossEntropy or LossFunction.BinaryCrossEntropy)
                errors.Add("training.loss", $"{SpecJson.Name(loss)} is a classification loss; {regression} is a regression data set (use mse, mae or huber)");
            return;
        }

        switch (loss)
        {
            case LossFunction.CrossEntropy when width != classes:
                errors.Add(where, $"the network ends with {width} outputs; crossEntropy over {classes} classes needs {classes}");
                break;
            case LossFunction.BinaryCrossEntropy when classes != 2:
                errors.Add("training.loss", $"binaryCrossEntropy is for two classes; the data have {classes}: use crossEntropy");
                break;
            case LossFunction.BinaryCrossEntropy when width != 1:
                errors.Add(where, $"the network ends with {width} outputs; binaryCrossEntropy needs 1");
                break;
            case LossFunction.BinaryCrossEntropy when last is not null && last.Function is not ActivationFunction.Sigmoid && last == layers[^1]:
                errors.Add(where, "binaryCrossEntropy needs a sigmoid output (or no activation: logits)");
                break;
            case LossFunction.Mse or LossFunction.HalfMse or LossFunction.Mae or LossFunction.Huber when classes == 2 && width != 1 && width != classes:
                errors.Add(where, $"the network ends with {width} outputs; {SpecJson.Name(loss)} on {classes} classes needs 1 (labels ±1) or {classes} (one-hot)");
                break;
            case LossFunction.Mse or LossFunction.HalfMse or LossFunction.Mae or LossFunction.Huber when classes > 2 && width != classes:
                errors.Add(where, $"the network ends with {width} outputs; {SpecJson.Name(loss)} on {classes} classes needs {classes} (one-hot)");
                break;
        }
        if (endsWithSoftmax && width == 1)
            errors.Add(where, "softmax over a single output is always 1");
    }
}
