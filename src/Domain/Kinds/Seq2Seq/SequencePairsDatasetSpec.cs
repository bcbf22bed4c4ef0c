using System.Text.Json.Serialization;
using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Seq2Seq;

/// <summary>The seq2seq tasks Dojo makes: reverse a digit string (<c>"12345"</c> → <c>"54321"</c>), add two numbers written as text (<c>"37+5"</c> → <c>"42"</c>).</summary>
public enum SequenceTask { Reverse, Addition }

/// <summary>
/// Pairs of strings made from the data set's seed: <see cref="Samples"/> distinct inputs of the task, each with its
/// answer, shuffled and split into training, validation and test by input — a test input never appears in training.
/// Lengths count digits: a reversal's string has <see cref="MinLength"/> to <see cref="MaxLength"/> digits; an
/// addition's numbers have 1 to <see cref="MaxLength"/> digits each.
/// </summary>
public sealed record SequencePairsDatasetSpec : DatasetSpec
{
    public SequenceTask Task { get; init; } = SequenceTask.Reverse;
    public int Samples { get; init; } = 10_000;
    public int? MinLength { get; init; }
    public int MaxLength { get; init; } = 5;
    public int ValidationPercent { get; init; } = 10;
    public int TestPercent { get; init; } = 10;

    public override string ForKind() => JobKinds.Seq2Seq;

    /// <summary>The symbols of inputs and outputs: digits, and for addition the plus sign.</summary>
    [JsonIgnore]
    public string Alphabet => Task == SequenceTask.Addition ? "0123456789+" : "0123456789";

    [JsonIgnore]
    public int ShortestInput => Task == SequenceTask.Reverse ? MinLength ?? MaxLength : 3;

    /// <summary>The longest input: a reversal's string, or two numbers and the plus sign.</summary>
    [JsonIgnore]
    public int LongestInput => Task == SequenceTask.Reverse ? MaxLength : 2 * MaxLength + 1;

    /// <summary>The longest answer: a reversal's string, or a sum with one digit more than its numbers.</summary>
    [JsonIgnore]
    public int LongestOutput => Task == SequenceTask.Reverse ? MaxLength : MaxLength + 1;

    /// <summary>How many distinct inputs the task has (capped: only whether enough exist matters).</summary>
    public long DistinctInputs()
    {
        long Numbers(int digits) => digits >= 12 ? long.MaxValue / 4 : (long)Math.Pow(10, digits); // numbers with up to so many digits: 0 … 10^d − 1
        if (Task == SequenceTask.Addition) return Math.Min(Numbers(MaxLength), 3_000_000_000L) * Math.Min(Numbers(MaxLength), 3_000_000_000L);
        long total = 0;
        for (int length = ShortestInput; length <= MaxLength && total < long.MaxValue / 20; length++) total += Numbers(length);
        return total;
    }

    public override int[] SampleShape() => [LongestInput];

    public override int ClassCount() => Alphabet.Length;

    public override LabelEncoding Labels() => LabelEncoding.ClassIndex;

    public override (int Train, int Validation, int Test) SplitSizes() => PercentSplit(Samples, ValidationPercent, TestPercent);

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (MaxLength is < 1 or > 20) errors.Add($"{path}.maxLength", "must be between 1 and 20");
        if (MinLength is { } min && (min < 1 || min > MaxLength)) errors.Add($"{path}.minLength", $"must be between 1 and maxLength ({MaxLength})");
        if (MinLength is not null && Task != SequenceTask.Reverse) errors.Add($"{path}.minLength", "is for the reverse task (an addition's numbers have 1 to maxLength digits)");
        CheckPercents(ValidationPercent, TestPercent, errors, path);
        if (Samples < 100 || Samples > limits.MaxSamples) errors.Add($"{path}.samples", $"must be between 100 and {limits.MaxSamples}");
        else if (errors.Count == 0 && Samples > DistinctInputs())
            errors.Add($"{path}.samples", $"is {Samples}, but the task has only {DistinctInputs()} distinct inputs of these lengths; ask for fewer or longer ones");
    }
}
