using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public sealed class RecallDataTests
{
    [Fact]
    public void Each_sequence_starts_with_its_label_and_then_holds_only_distractors()
    {
        var spec = new RecallDatasetSpec { Classes = 3, Delay = 7, Distractors = 2, Samples = 200 };
        var data = TrainingData.Load(spec, "");
        Assert.Equal([8, 5], data.SampleShape);
        Assert.Equal((140, 20, 40), (data.Train.Count, data.Validation.Count, data.Test.Count));
        foreach (var split in new[] { data.Train, data.Validation, data.Test })
            for (int n = 0; n < split.Count; n++)
            {
                var sample = split.Features.AsSpan(n * 40, 40);
                for (int t = 0; t < 8; t++)
                {
                    var step = sample.Slice(t * 5, 5);
                    Assert.Equal(1, step.ToArray().Sum());
                    int symbol = step.IndexOf(1f);
                    if (t == 0) Assert.Equal((int)split.Labels[n], symbol);
                    else Assert.InRange(symbol, 3, 4);
                }
            }
        // Every class appears, and the same seed draws the same sequences.
        Assert.Equal(3, data.Train.Labels.Distinct().Count());
        Assert.Equal(data.Test.Features, TrainingData.Load(spec, "").Test.Features);
        Assert.NotEqual(data.Test.Features, TrainingData.Load(spec with { Seed = 2 }, "").Test.Features);
    }

    [Fact]
    public void A_recall_spec_too_large_to_hold_is_refused_at_samples()
    {
        var errors = new ValidationErrors();
        new RecallDatasetSpec { Delay = 1000, Distractors = 50, Samples = 100_000 }.Validate(new SpecLimits(), errors, "dataset");
        Assert.Contains("dataset.samples", errors.ToDictionary().Keys);
    }
}
