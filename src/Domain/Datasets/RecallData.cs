using Dojo.Domain.Kinds.Supervised;

namespace Dojo.Domain.Datasets;

/// <summary>The sequences of a <see cref="RecallDatasetSpec"/>: drawn from its seed in order (label, then each distractor), then split.</summary>
public static class RecallData
{
    public static TrainingData Generate(RecallDatasetSpec spec)
    {
        var random = new Random(spec.Seed);
        int steps = spec.Delay + 1, symbols = spec.Classes + spec.Distractors, size = steps * symbols;
        var features = new float[spec.Samples * size];
        var labels = new float[spec.Samples];
        for (int n = 0; n < spec.Samples; n++)
        {
            int label = random.Next(spec.Classes);
            labels[n] = label;
            features[n * size + label] = 1;
            for (int t = 1; t < steps; t++) features[n * size + t * symbols + spec.Classes + random.Next(spec.Distractors)] = 1;
        }
        var (train, validation, test) = spec.SplitSizes();
        DataSplit Part(int from, int count) => new(features[(from * size)..((from + count) * size)], labels[from..(from + count)], count, size);
        // The samples are independent draws already, so taking them in order is a random split.
        return new TrainingData(Part(0, train), Part(train, validation), Part(train + validation, test), spec.SampleShape(), spec.Classes, LabelEncoding.ClassIndex)
        {
            ClassNames = Enumerable.Range(0, spec.Classes).Select(c => c.ToString()).ToList(),
        };
    }
}
