using System.Text.Json.Serialization;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Seq2Seq;

public enum Seq2SeqCell { Lstm, Gru }

/// <summary>
/// The encoder and the decoder: each an embedding of <see cref="EmbeddingSize"/> and <see cref="Layers"/> stacked
/// cells of <see cref="HiddenSize"/> (dropout between them); the encoder's last state is the decoder's first, so both
/// have the same cell, size and depth. The decoder ends in a dense layer scoring the next symbol.
/// </summary>
public sealed record Seq2SeqModelSpec
{
    public Seq2SeqCell Cell { get; init; } = Seq2SeqCell.Lstm;
    public int EmbeddingSize { get; init; } = 32;
    public int HiddenSize { get; init; } = 128;
    public int Layers { get; init; } = 1;
    public double Dropout { get; init; }

    /// <summary>The recurrent part of the encoder and of the decoder, as a layer spec (every step's output goes on).</summary>
    public RecurrentLayer Recurrent() => Cell switch
    {
        Seq2SeqCell.Gru => new GruLayer(HiddenSize) { Layers = Layers, Dropout = Dropout, ReturnSequences = true },
        _ => new LstmLayer(HiddenSize) { Layers = Layers, Dropout = Dropout, ReturnSequences = true },
    };

    /// <summary>Parameters of both networks for a vocabulary of <paramref name="vocabulary"/> tokens.</summary>
    public long Parameters(int vocabulary) =>
        2 * ((long)vocabulary * EmbeddingSize + ShapeInference.RecurrentParameters(Recurrent(), EmbeddingSize)) + (long)HiddenSize * vocabulary + vocabulary;

    /// <summary>Floating-point operations of one step of one network (an embedding lookup aside), and of the decoder's scoring.</summary>
    public (double Step, double Scores) StepFlops(int vocabulary)
    {
        double step = 0;
        var recurrent = Recurrent();
        for (int cell = 0; cell < Layers; cell++)
            step += 2.0 * recurrent.Gates() * HiddenSize * ((cell == 0 ? EmbeddingSize : HiddenSize) + HiddenSize);
        return (step, 2.0 * HiddenSize * vocabulary);
    }

    public void Validate(ValidationErrors errors, string path)
    {
        foreach (var (value, name) in new[] { (EmbeddingSize, "embeddingSize"), (HiddenSize, "hiddenSize"), (Layers, "layers") })
            if (value < 1) errors.Add($"{path}.{name}", $"must be at least 1 (got {value})");
        if (Dropout is < 0 or >= 1 || !double.IsFinite(Dropout)) errors.Add($"{path}.dropout", "must be in [0, 1)");
        else if (Dropout > 0 && Layers == 1) errors.Add($"{path}.dropout", "applies between stacked cells, so it needs layers ≥ 2");
    }
}

/// <summary>The training loop, and how often the decoder is fed the true previous symbol rather than its own guess (1: always).</summary>
public sealed record Seq2SeqTraining : TrainingLoop
{
    public double TeacherForcing { get; init; } = 1.0;

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        base.Validate(limits, errors, path);
        if (TeacherForcing is < 0 or > 1 || !double.IsFinite(TeacherForcing)) errors.Add($"{path}.teacherForcing", "must be between 0 and 1");
    }
}

/// <summary>
/// An RNN encoder–decoder: the encoder reads the input string, its last state starts the decoder, which writes the
/// answer a symbol at a time (trained with teacher forcing at <see cref="Seq2SeqTraining.TeacherForcing"/>; evaluated
/// and used greedily, each guess fed back). Given as <c>{ "kind": "seq2seq", "dataset": { "kind": "sequencePairs", …
/// }, "model", "optimizer", "training" }</c>; its networks are kept as <c>encoder</c> and <c>decoder</c>.
/// </summary>
public sealed record Seq2SeqSpec : JobSpec
{
    public required DatasetSpec Dataset { get; init; }
    public Seq2SeqModelSpec Model { get; init; } = new();
    public OptimizerSpec Optimizer { get; init; } = new() { Kind = OptimizerKind.Adam, LearningRate = 0.003 };
    public Seq2SeqTraining Training { get; init; } = new() { BatchSize = new BatchSize(64), Epochs = 20 };

    /// <summary>The data set, once checked to be sequence pairs.</summary>
    [JsonIgnore]
    public SequencePairsDatasetSpec Pairs => (SequencePairsDatasetSpec)Dataset;

    /// <summary>Tokens: padding, start and end of an answer, then the task's symbols.</summary>
    public const int Pad = 0, Start = 1, End = 2, FirstSymbol = 3;

    [JsonIgnore]
    public int Vocabulary => FirstSymbol + Pairs.Alphabet.Length;

    public override DeviceName Device() => Training.Device;

    public override JobSpec WithDevice(DeviceName device) => this with { Training = Training with { Device = device } };

    public override IReadOnlyDictionary<string, string[]> Validate(SpecLimits limits)
    {
        var errors = new ValidationErrors();
        if (Dataset.CheckFor(JobKinds.Seq2Seq, errors, "dataset")) Dataset.Validate(limits, errors, "dataset");
        Model.Validate(errors, "model");
        Optimizer.Validate(errors, "optimizer");
        Training.Validate(limits, errors, "training");
        if (errors.Count == 0 && Model.Parameters(Vocabulary) > limits.MaxParameters)
            errors.Add("model.hiddenSize", $"the encoder and decoder have {Model.Parameters(Vocabulary):N0} parameters; the limit is {limits.MaxParameters:N0}");
        return errors.ToDictionary();
    }

    /// <summary>
    /// Each epoch: every training pair through the encoder and the decoder (about three forward passes), and the
    /// validation pairs forward twice (teacher-forced for the loss, greedy for the answers).
    /// </summary>
    public override JobCost Cost()
    {
        var (step, scores) = Model.StepFlops(Vocabulary);
        double forward = Pairs.LongestInput * step + (Pairs.LongestOutput + 1) * (step + scores);
        var (train, validation, test) = Dataset.SplitSizes();
        return new JobCost(Training.Epochs * (3 * forward * train + 2 * forward * validation) + 2 * forward * (test + train), "training.epochs",
            $"{JobCost.Format(forward)} per pair forward, {train} training pairs, {Training.Epochs} epochs");
    }

    public override DatasetSpec TrainsOn() => Dataset;

    public override JobSpec WithDataset(DatasetSpec dataset) => this with { Dataset = dataset };
}

/// <summary>What a seq2seq job records beyond the common metrics: answers judged whole, and symbol by symbol.</summary>
public static class Seq2SeqMetrics
{
    /// <summary>The share of validation inputs whose greedy answer is exactly right.</summary>
    public const string ValExactMatch = "val_exact_match";
    /// <summary>The share of the answers' symbols (and their end) right at their place.</summary>
    public const string ValCharAccuracy = "val_char_accuracy";
    public const string TestExactMatch = "test_exact_match";
    public const string TestCharAccuracy = "test_char_accuracy";
}
