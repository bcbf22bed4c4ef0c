using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>One input's answer: the predicted class and every class's probability (classification), or the value (regression).</summary>
public sealed record Prediction(string? Class, int? Index, IReadOnlyList<double>? Probabilities, double? Value);

public sealed record PredictResponse(IReadOnlyList<string> Classes, IReadOnlyList<Prediction> Predictions);

/// <summary>
/// A finished supervised job's network, built without drawing weights or rebuilding its data set, its weights read;
/// its outputs are read by the same <see cref="OutputHead"/> that trained it. Answers <c>{ "inputs": [...] }</c> of raw
/// values as the data set has them (pixels 0…max for images, feature values for playground data), each flat or nested
/// to the sample's shape; images come through <see cref="Predict"/> once decoded.
/// </summary>
public sealed class SupervisedModel : ITrainedJob
{
    public const int MaxInputs = 1000;

    private SupervisedModel(SupervisedSpec spec, Evaluation? evaluation, OutputHead head, Sequential net, int[] inputShape) =>
        (Spec, Evaluation, Head, Net, InputShape) = (spec, evaluation, head, net, inputShape);

    public SupervisedSpec Spec { get; }
    public Evaluation? Evaluation { get; }
    public OutputHead Head { get; }
    public Sequential Net { get; }
    public int[] InputShape { get; }

    public sealed class Loader : ITrainedJobLoader
    {
        public ITrainedJob Load(JobSpec spec, Evaluation? evaluation, Func<string, string> weights)
        {
            var supervised = (SupervisedSpec)spec;
            var head = new OutputHead(supervised);
            var shape = supervised.Dataset.SampleShape();
            var net = ModelBuilder.Build(head.Network, shape, NetworkInit.ForLoading).Net;
            try
            {
                net.load(weights(ModelNames.Default));
            }
            catch
            {
                net.Dispose();
                throw;
            }
            net.eval();
            return new SupervisedModel(supervised, evaluation, head, net, shape);
        }
    }

    public object Answer(JsonElement request)
    {
        PredictionInputException.OnlyMembers(request, "inputs");
        if (!request.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
            throw new PredictionInputException("inputs", "must be an array of inputs");
        int size = InputShape.Aggregate(1, (a, b) => a * b);
        if (inputs.GetArrayLength() is 0 or > MaxInputs) throw new PredictionInputException("inputs", $"must hold 1 to {MaxInputs} inputs");
        var values = new float[inputs.GetArrayLength() * size];
        var scaling = Evaluation?.Input;
        int n = 0;
        foreach (var input in inputs.EnumerateArray())
        {
            var flat = new List<float>(size);
            Flatten(input, flat, $"inputs[{n}]");
            if (flat.Count != size)
                throw new PredictionInputException($"inputs[{n}]", $"has {flat.Count} values; the job's input is {ShapeInference.Format(InputShape)} ({size} values)");
            for (int i = 0; i < size; i++) values[n * size + i] = scaling is null ? flat[i] : (flat[i] - scaling.Offset) * scaling.Scale;
            n++;
        }
        return Predict(values, n);
    }

    /// <summary>The network's answers for <paramref name="count"/> inputs, already scaled as in training, one after another.</summary>
    public PredictResponse Predict(float[] values, int count)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = Net.forward(tensor(values, [count, .. InputShape.Select(d => (long)d)]));
        int classes = Spec.Dataset.ClassCount();
        var names = Evaluation?.Classes ?? (classes == 2 ? ["-1", "+1"] : Enumerable.Range(0, classes).Select(c => c.ToString()).ToList());
        if (classes == 0)
            return new PredictResponse([], output.squeeze(1).data<float>().ToArray().Select(v => new Prediction(null, null, null, v)).ToList());

        var probabilities = Head.Probabilities(output).cpu().data<float>().ToArray();
        int k = probabilities.Length / count;
        var predictions = new List<Prediction>(count);
        for (int n = 0; n < count; n++)
        {
            var row = probabilities.AsSpan(n * k, k).ToArray().Select(p => (double)p).ToList();
            int best = row.IndexOf(row.Max());
            predictions.Add(new Prediction(names[best], best, row, null));
        }
        return new PredictResponse(names, predictions);
    }

    private static void Flatten(JsonElement element, List<float> into, string field)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                into.Add(element.GetSingle());
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Flatten(item, into, field);
                break;
            default:
                throw new PredictionInputException(field, $"holds {element.ValueKind.ToString().ToLowerInvariant()}; only numbers (or arrays of them)");
        }
    }

    public void Dispose() => Net.Dispose();
}
