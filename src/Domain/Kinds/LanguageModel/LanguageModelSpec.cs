using System.Text.Json.Serialization;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.LanguageModel;

/// <summary>What a language model writes after each epoch (and by default when asked): from a prompt, so many characters, at a temperature (0: always the likeliest).</summary>
public sealed record SampleSpec
{
    public string Prompt { get; init; } = "The ";
    public int Length { get; init; } = 200;
    public double Temperature { get; init; } = 0.8;

    public const int MaxLength = 2000;

    public void Validate(string alphabet, ValidationErrors errors, string path)
    {
        if (Prompt.Length == 0) errors.Add($"{path}.prompt", "must hold at least one character");
        else if (Unknown(Prompt, alphabet) is { Length: > 0 } unknown)
            errors.Add($"{path}.prompt", $"holds characters the text never uses: {unknown}");
        if (Length is < 1 or > MaxLength) errors.Add($"{path}.length", $"must be between 1 and {MaxLength}");
        if (!(Temperature >= 0) || !double.IsFinite(Temperature)) errors.Add($"{path}.temperature", "must be 0 (the likeliest character each time) or more");
    }

    /// <summary>The characters of <paramref name="text"/> not in <paramref name="alphabet"/>, each once, quoted.</summary>
    public static string Unknown(string text, string alphabet) =>
        string.Join(", ", text.Where(c => !alphabet.Contains(c)).Distinct().Select(c => c == '\n' ? "'\\n'" : $"'{c}'"));
}

/// <summary>
/// A character-level language model: a network reads <c>sequenceLength</c> characters of a text and scores, at every
/// step, what the next character is — trained with cross-entropy over every step. Given as <c>{ "kind":
/// "languageModel", "dataset": { "kind": "text", … }, "network", "optimizer", "training", "sample" }</c>. Each epoch
/// reports the held-out text's perplexity beside the unigram model's (character frequencies alone) and writes a sample.
/// </summary>
public sealed record LanguageModelSpec : JobSpec
{
    public required DatasetSpec Dataset { get; init; }
    public required NetworkSpec Network { get; init; }
    public OptimizerSpec Optimizer { get; init; } = new() { Kind = OptimizerKind.Adam, LearningRate = 0.003 };
    public TrainingLoop Training { get; init; } = new() { BatchSize = new BatchSize(32), Epochs = 10 };
    public SampleSpec Sample { get; init; } = new();

    /// <summary>The data set, once checked to be a text.</summary>
    [JsonIgnore]
    public TextDatasetSpec Text => (TextDatasetSpec)Dataset;

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    /// <summary>The network as built: a final softmax is left to the loss (cross-entropy on the scores before it) and to sampling.</summary>
    [JsonIgnore]
    public NetworkSpec Scores => Network.Layers.Count > 0 && Network.Layers[^1] is ActivationLayer { Function: ActivationFunction.Softmax }
        ? Network with { Layers = Network.Layers.Take(Network.Layers.Count - 1).ToList() }
        : Network;

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (Dataset.CheckFor(JobKinds.LanguageModel, errors, "dataset")) Dataset.Validate(limits, errors, "dataset");
        Optimizer.Validate(errors, "optimizer");
        Training.Validate(limits, errors, "training");
        if (Network.Transfer is not null) errors.Add("network.transfer", "transfer learning is for supervised jobs");
        if (errors.Count > 0) return errors.ToDictionary();

        string alphabet = Text.Alphabet();
        Sample.Validate(alphabet, errors, "sample");
        var layers = Network.Layers;
        int[] wanted = [Text.SequenceLength, alphabet.Length];
        if (NetworkChecks.Check(Network, Dataset.SampleShape(), limits, errors, "network", vocabulary: alphabet.Length) is { } output && !output.SequenceEqual(wanted))
            errors.Add(layers.Count == 0 ? "network.layers" : $"network.layers[{layers.Count - 1}]",
                $"the network ends with {ShapeInference.Format(output)}; a language model scores every step's next character: {ShapeInference.Format(wanted)} " +
                $"(returnSequences: true on the recurrent layers, then a dense layer of {alphabet.Length} units)");
        return errors.ToDictionary();
    }

    /// <summary>Each epoch trains every training sequence (about three forward passes), runs the validation ones forward and writes the sample (a forward pass per character).</summary>
    public override JobCost Cost()
    {
        double forward = ShapeInference.ForwardFlops(Network, Dataset.SampleShape());
        var (train, validation, test) = Dataset.SplitSizes();
        double epoch = 3 * forward * train + forward * validation + forward * Sample.Length;
        return new JobCost(Training.Epochs * epoch + forward * (test + train), "training.epochs",
            $"{JobCost.Format(forward)} per sequence forward, {train} training sequences, {Training.Epochs} epochs");
    }

    public override DatasetSpec TrainsOn() => Dataset;

    public override JobSpec WithDataset(DatasetSpec dataset) => this with { Dataset = dataset };
}

/// <summary>What a language model records beyond the common metrics.</summary>
public static class LanguageModelMetrics
{
    /// <summary>exp(validation loss): how many characters the model is as unsure between, on average.</summary>
    public const string ValPerplexity = "val_perplexity";
    /// <summary>The unigram model's (each character by its training frequency alone) perplexity on the same text: the figure to beat.</summary>
    public const string ValUnigramPerplexity = "val_unigram_perplexity";
    public const string TestPerplexity = "test_perplexity";
    public const string TestUnigramPerplexity = "test_unigram_perplexity";
    /// <summary>A text point: what the model wrote from the spec's prompt after the epoch.</summary>
    public const string Sample = "sample";
}
