using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Supervised;

/// <summary>
/// The course's memory task: sequences whose label is their first step. Step 0 is one of <see cref="Classes"/> class
/// symbols; the next <see cref="Delay"/> steps are drawn from <see cref="Distractors"/> other symbols and carry nothing
/// about the label. Each step is one-hot over classes + distractors, so a sample is [delay + 1, classes + distractors]
/// and chance is 1 / classes. Made from <see cref="DatasetSpec.Seed"/>; split at random into train, validation, test.
/// </summary>
public sealed record RecallDatasetSpec : DatasetSpec
{
    public int Classes { get; init; } = 4;
    public int Delay { get; init; } = 50;
    public int Distractors { get; init; } = 4;
    public int Samples { get; init; } = 3000;
    public int ValidationPercent { get; init; } = 10;
    public int TestPercent { get; init; } = 20;

    public override int[] SampleShape() => [Delay + 1, Classes + Distractors];

    public override int ClassCount() => Classes;

    public override LabelEncoding Labels() => LabelEncoding.ClassIndex;

    public override (int Train, int Validation, int Test) SplitSizes() => PercentSplit(Samples, ValidationPercent, TestPercent);

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (Classes is < 2 or > 20) errors.Add($"{path}.classes", "must be between 2 and 20");
        if (Delay is < 1 or > 1000) errors.Add($"{path}.delay", "must be between 1 and 1000 steps");
        if (Distractors is < 1 or > 50) errors.Add($"{path}.distractors", "must be between 1 and 50 symbols");
        if (Samples < 100 || Samples > limits.MaxSamples) errors.Add($"{path}.samples", $"must be between 100 and {limits.MaxSamples}");
        else if ((long)Samples * (Delay + 1) * (Classes + Distractors) > limits.MaxDatasetValues)
            errors.Add($"{path}.samples", $"{Samples} sequences of [{Delay + 1}, {Classes + Distractors}] are more than the {limits.MaxDatasetValues} values a data set may hold");
        CheckPercents(ValidationPercent, TestPercent, errors, path);
    }
}
