using System.Text.RegularExpressions;

namespace Dojo.Domain.Specs;

/// <summary>
/// Checks a job spec before it is stored: ranges, the device name, and shape inference through the
/// network (widths, parameter count, an output that fits the data set and the loss). Each problem is
/// reported under the JSON path of the offending value (<c>network.layers[3].units</c>).
/// </summary>
public static partial class SpecValidator
{
    public static IReadOnlyDictionary<string, string[]> Validate(JobSpec spec, SpecLimits limits)
    {
        var errors = new ValidationErrors();
        ValidateDataset(spec.Dataset, limits, errors, "dataset");
        ValidateOptimizer(spec.Optimizer, errors, "optimizer");
        ValidateTraining(spec.Training, limits, errors, "training");
        if (errors.Count == 0) InferShapes(spec, limits, errors);
        return errors.ToDictionary();
    }

    public static void ValidateDataset(DatasetSpec dataset, SpecLimits limits, ValidationErrors errors, string path)
    {
        if (dataset.IsImages)
        {
            ValidateImages(dataset, errors, path);
            return;
        }
        if (dataset.Kind != DatasetSpec.PlaygroundKind)
            errors.Add($"{path}.kind", $"'{dataset.Kind}' is not a known data set kind; expected: playground, builtin, upload");
        if (dataset.SampleCount < 10 || dataset.SampleCount > limits.MaxSamples)
            errors.Add($"{path}.samples", $"must be between 10 and {limits.MaxSamples}");
        if (dataset.Noise is < 0 or > 50 || !double.IsFinite(dataset.Noise))
            errors.Add($"{path}.noise", "must be between 0 and 50 (percent, as in the playground)");
        if (dataset.TrainPercent is < 10 or > 90)
            errors.Add($"{path}.trainPercent", "must be between 10 and 90");
        if (dataset.Features.Count == 0)
            errors.Add($"{path}.features", "needs at least one input feature");
        else if (dataset.Features.Distinct().Count() != dataset.Features.Count)
            errors.Add($"{path}.features", "names a feature twice");
    }

    private static void ValidateImages(DatasetSpec dataset, ValidationErrors errors, string path)
    {
        string described;
        int allClasses, count;
        if (dataset.Kind == DatasetSpec.UploadKind)
        {
            if (dataset.UploadId is null || dataset.Upload is not { } upload)
            {
                errors.Add($"{path}.uploadId", "is required for an uploaded data set: the id POST /api/datasets/uploads gave");
                return;
            }
            (described, allClasses, count) = ($"upload {dataset.UploadId}", upload.Classes, upload.Count);
        }
        else
        {
            if (dataset.Name is not { } name)
            {
                errors.Add($"{path}.name", $"is required for a built-in data set: one of {SpecJson.AllowedNames<Datasets.BuiltinDataset>()}");
                return;
            }
            var info = Datasets.BuiltinDatasets.Describe(name);
            (described, allClasses, count) = (SpecJson.Name(name), info.Classes, info.Count);
        }
        if (dataset.Classes is { } classes)
        {
            if (classes.Count < 2) errors.Add($"{path}.classes", "needs at least two labels");
            if (classes.Any(c => c < 0 || c >= allClasses)) errors.Add($"{path}.classes", $"labels of {described} are 0 to {allClasses - 1}");
            if (classes.Distinct().Count() != classes.Count) errors.Add($"{path}.classes", "names a label twice");
        }
        if (dataset.TrainCount is < 10) errors.Add($"{path}.trainCount", "must be at least 10");
        if (dataset.TestCount is < 1) errors.Add($"{path}.testCount", "must be at least 1");
        int available = count * (dataset.Classes?.Count ?? allClasses) / allClasses; // roughly: the classes are about balanced
        if (dataset.TrainCount + (dataset.TestCount ?? 0) > available)
            errors.Add($"{path}.trainCount", $"{described} has about {available} samples of the chosen classes; trainCount + testCount ask for more");
        if (dataset.ValidationPercent is < 0 or > 50) errors.Add($"{path}.validationPercent", "must be between 0 and 50");
    }

    /// <summary>The shape of one input sample: [features] for playground data, [1, height, width] for images.</summary>
    public static int[] InputShape(DatasetSpec dataset) => dataset switch
    {
        { Kind: DatasetSpec.BuiltinKind, Name: { } name } => Datasets.BuiltinDatasets.Describe(name).SampleShape,
        { Kind: DatasetSpec.UploadKind, Upload: { } upload } => upload.SampleShape,
        _ => [dataset.Features.Count],
    };

    /// <summary>How many classes the labels have (0: regression).</summary>
    public static int ClassCount(DatasetSpec dataset) => dataset switch
    {
        { Kind: DatasetSpec.BuiltinKind, Name: { } name } => dataset.Classes?.Count ?? Datasets.BuiltinDatasets.Describe(name).Classes,
        { Kind: DatasetSpec.UploadKind, Upload: { } upload } => dataset.Classes?.Count ?? upload.Classes,
        _ => dataset.Generator.IsRegression() ? 0 : 2,
    };

    public static void ValidateOptimizer(OptimizerSpec optimizer, ValidationErrors errors, string path)
    {
        Positive(optimizer.LearningRate, $"{path}.learningRate", errors);
        NonNegative(optimizer.L1, $"{path}.l1", errors);
        NonNegative(optimizer.L2, $"{path}.l2", errors);
        if (optimizer.Momentum is < 0 or >= 1) errors.Add($"{path}.momentum", "must be in [0, 1)");
        if (optimizer.Alpha is < 0 or >= 1) errors.Add($"{path}.alpha", "must be in [0, 1)");
        if (optimizer.Beta1 is < 0 or >= 1) errors.Add($"{path}.beta1", "must be in [0, 1)");
        if (optimizer.Beta2 is < 0 or >= 1) errors.Add($"{path}.beta2", "must be in [0, 1)");
        Positive(optimizer.Epsilon, $"{path}.epsilon", errors);
    }

    public static void ValidateTraining(TrainingSpec training, SpecLimits limits, ValidationErrors errors, string path)
    {
        if (training.Epochs < 1 || training.Epochs > limits.MaxEpochs)
            errors.Add($"{path}.epochs", $"must be between 1 and {limits.MaxEpochs}");
        if (training.BatchSize.Size < 0)
            errors.Add($"{path}.batchSize", "must be a positive number of samples or \"full\"");
        Positive(training.HuberDelta, $"{path}.huberDelta", errors);
        if (DeviceName.TryParse(training.Device) is null)
            errors.Add($"{path}.device", $"'{training.Device}' is not a device; expected cpu, cuda, cuda:N or auto");
    }

    private static void InferShapes(JobSpec spec, SpecLimits limits, ValidationErrors errors)
    {
        var layers = spec.Network.Layers;
        if (layers.Count > limits.MaxLayers)
        {
            errors.Add("network.layers", $"has {layers.Count} layers; the limit is {limits.MaxLayers}");
            return;
        }
        ValidateInit(spec.Network.Init, "network.init", errors);
        var names = layers.Select(l => l?.Name).OfType<string>().ToList();
        foreach (var duplicate in names.GroupBy(n => n).Where(g => g.Count() > 1))
            errors.Add("network.layers", $"two layers are named '{duplicate.Key}'");
        if (spec.Network.Transfer is { } transfer) ValidateTransfer(transfer, layers, errors);

        var shape = InputShape(spec.Dataset);
        long parameters = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            string path = $"network.layers[{i}]";
            if (layers[i] is null)
            {
                errors.Add(path, "is null");
                continue;
            }
            switch (layers[i])
            {
                case DenseLayer dense:
                    ValidateInit(dense.Init, $"{path}.init", errors);
                    break;
                case Conv2dLayer conv:
                    ValidateInit(conv.Init, $"{path}.init", errors);
                    if (conv.Init?.Kind == InitKind.Playground) errors.Add($"{path}.init.kind", "playground init is for dense layers");
                    break;
                case DropoutLayer dropout when dropout.Rate is < 0 or >= 1 || !double.IsFinite(dropout.Rate):
                    errors.Add($"{path}.rate", "must be in [0, 1)");
                    break;
                case BatchNormLayer norm:
                    if (norm.Momentum is <= 0 or > 1) errors.Add($"{path}.momentum", "must be in (0, 1]");
                    Positive(norm.Epsilon, $"{path}.epsilon", errors);
                    break;
                case ActivationLayer { Function: ActivationFunction.Softmax } when i != layers.Count - 1:
                    errors.Add($"{path}.function", "softmax is allowed only as the last layer");
                    break;
            }
            var result = ShapeInference.Apply(layers[i], shape);
            if (result.Output is null)
            {
                errors.Add(result.Field is null ? path : $"{path}.{result.Field}", $"{result.Problem} (incoming {ShapeInference.Format(shape)})");
                return;
            }
            shape = result.Output;
            parameters += result.Parameters;
            if (parameters > limits.MaxParameters)
            {
                errors.Add(path, $"brings the network to {parameters:N0} parameters; the limit is {limits.MaxParameters:N0}");
                return;
            }
        }
        if (shape.Length != 1)
        {
            errors.Add(layers.Count == 0 ? "network.layers" : $"network.layers[{layers.Count - 1}]",
                $"the network ends with {ShapeInference.Format(shape)}; it must end flat (add flatten or globalAvgPool and a dense layer)");
            return;
        }
        long width = shape[0];
        ValidateOutput(spec, width, errors);
    }

    private static void ValidateTransfer(TransferSpec transfer, IReadOnlyList<LayerSpec> layers, ValidationErrors errors)
    {
        const string path = "network.transfer";
        if (transfer.Keep < 1 || transfer.Keep >= layers.Count)
            errors.Add($"{path}.keep", $"must be between 1 and {layers.Count - 1}: at least one layer is kept and at least one is new");
        if (transfer.FreezeFirst < 0 || transfer.FreezeFirst > transfer.Keep)
            errors.Add($"{path}.freezeFirst", $"must be between 0 and keep ({transfer.Keep}): only kept layers can be frozen");
        foreach (var name in transfer.Freeze)
        {
            int index = layers.ToList().FindIndex(l => l?.Name == name);
            if (index < 0) errors.Add($"{path}.freeze", $"no layer is named '{name}'");
            else if (index >= transfer.Keep) errors.Add($"{path}.freeze", $"'{name}' is layer {index}, a new layer; only the first {transfer.Keep} (kept) can be frozen");
        }
        if (transfer.FineTuneLearningRate is { } rate) Positive(rate, $"{path}.fineTuneLearningRate", errors);
    }

    /// <summary>
    /// Whether the network can start from <paramref name="source"/>: the same input shape and, for the kept
    /// layers, the same layers (names and initialisation aside). Problems are keyed by the field to fix.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> ValidateTransferSource(JobSpec spec, JobSpec source)
    {
        var errors = new ValidationErrors();
        var transfer = spec.Network.Transfer!;
        var (input, sourceInput) = (InputShape(spec.Dataset), InputShape(source.Dataset));
        if (!input.SequenceEqual(sourceInput))
            errors.Add("network.transfer.fromJob", $"the job was trained on {ShapeInference.Format(sourceInput)} inputs; this data set gives {ShapeInference.Format(input)}");
        else if (source.Network.Layers.Count < transfer.Keep)
            errors.Add("network.transfer.keep", $"the job has only {source.Network.Layers.Count} layers");
        else
            for (int i = 0; i < transfer.Keep; i++)
            {
                string mine = SpecJson.Serialize(Comparable(spec.Network.Layers[i])), theirs = SpecJson.Serialize(Comparable(source.Network.Layers[i]));
                if (mine != theirs) errors.Add($"network.layers[{i}]", $"is kept from the job, so it must be its layer {i}: {theirs}");
            }
        return errors.ToDictionary();
    }

    private static LayerSpec Comparable(LayerSpec layer) => layer switch
    {
        DenseLayer dense => dense with { Name = null, Init = null },
        Conv2dLayer conv => conv with { Name = null, Init = null },
        _ => layer with { Name = null },
    };

    private static void ValidateOutput(JobSpec spec, long width, ValidationErrors errors)
    {
        var loss = spec.Training.Loss;
        var last = spec.Network.Layers.OfType<ActivationLayer>().LastOrDefault();
        bool endsWithSoftmax = spec.Network.Layers.Count > 0 && spec.Network.Layers[^1] is ActivationLayer { Function: ActivationFunction.Softmax };
        string where = spec.Network.Layers.Count == 0 ? "network.layers" : $"network.layers[{spec.Network.Layers.Count - 1}]";

        int classes = ClassCount(spec.Dataset);
        if (classes == 0)
        {
            if (width != 1)
                errors.Add(where, $"the network ends with {width} outputs; regression on '{SpecJson.Name(spec.Dataset.Generator)}' needs 1");
            if (loss is LossFunction.CrossEntropy or LossFunction.BinaryCrossEntropy)
                errors.Add("training.loss", $"{SpecJson.Name(loss)} is a classification loss; '{SpecJson.Name(spec.Dataset.Generator)}' is a regression data set (use mse, mae or huber)");
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
            case LossFunction.BinaryCrossEntropy when last is not null && last.Function is not ActivationFunction.Sigmoid && last == spec.Network.Layers[^1]:
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

    private static void ValidateInit(InitSpec? init, string path, ValidationErrors errors)
    {
        if (init is null) return;
        if (init.Kind == InitKind.Normal) Positive(init.Std, $"{path}.std", errors);
        if (init.Kind == InitKind.Uniform && !(init.A < init.B))
            errors.Add($"{path}.b", "must be greater than a");
    }

    private static void Positive(double value, string path, ValidationErrors errors)
    {
        if (!(value > 0) || !double.IsFinite(value)) errors.Add(path, $"must be a positive number (got {value})");
    }

    private static void NonNegative(double value, string path, ValidationErrors errors)
    {
        if (!(value >= 0) || !double.IsFinite(value)) errors.Add(path, $"must be zero or positive (got {value})");
    }
}

/// <summary>Problems keyed by JSON path, in the shape of ASP.NET's ValidationProblemDetails.errors.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public int Count => _errors.Count;

    public void Add(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var list)) _errors[path] = list = [];
        list.Add(message);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
}

/// <summary>A device a job may ask for: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, or <c>auto</c> (resolved at submit).</summary>
public sealed partial record DeviceName(string Kind, int? Index)
{
    public static DeviceName? TryParse(string? text)
    {
        if (text is null) return null;
        var match = Pattern().Match(text);
        if (!match.Success) return null;
        if (match.Groups[2].Success && match.Groups[1].Value != "cuda") return null;
        return new DeviceName(match.Groups[1].Value, match.Groups[2].Success ? int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The Hangfire queue that serves this device: one per kind ("cpu", "cuda").</summary>
    public string Queue => Kind;

    public override string ToString() => Index is null ? Kind : $"{Kind}:{Index}";

    [GeneratedRegex("^(cpu|cuda|auto)(?::([0-9]{1,2}))?$")]
    private static partial Regex Pattern();
}
