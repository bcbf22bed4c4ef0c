using Dojo.Domain.Specs;

namespace Dojo.Domain.Exercises;

/// <summary>What exercise 1 requires of one data set: its URL must train to these thresholds.</summary>
public sealed record DatasetRequirement(PlaygroundGenerator Dataset, double? MinTestAccuracy = null, double? MaxTestLoss = null);

/// <summary>
/// Exercise 1's grading rule: for each required data set, the student's playground URL is trained for
/// <see cref="Epochs"/> epochs with each of <see cref="Seeds"/> training seeds, and passes when the mean
/// over the seeds meets the thresholds (mean, so that one unlucky start does not fail a good setting,
/// and one lucky start does not pass a bad one).
/// </summary>
public sealed record PlaygroundGradingRule(IReadOnlyList<DatasetRequirement> Requirements, int Epochs = 500, int Seeds = 3)
{
    public static PlaygroundGradingRule Exercise1 { get; } = new(
        [new DatasetRequirement(PlaygroundGenerator.Xor, MinTestAccuracy: 0.95), new DatasetRequirement(PlaygroundGenerator.Spiral, MinTestAccuracy: 0.90)]);

    public DatasetGrade Grade(DatasetRequirement requirement, IReadOnlyList<RunResult> runs)
    {
        if (runs.Count == 0) return new DatasetGrade(requirement.Dataset, false, null, null, "no run finished");
        var failed = runs.FirstOrDefault(r => r.TestAccuracy is null && r.TestLoss is null);
        if (failed is not null) return new DatasetGrade(requirement.Dataset, false, null, null, $"a run ended without results: {failed.Problem}");
        double? accuracy = runs.All(r => r.TestAccuracy is not null) ? runs.Average(r => r.TestAccuracy!.Value) : null;
        double? loss = runs.All(r => r.TestLoss is not null) ? runs.Average(r => r.TestLoss!.Value) : null;
        var reasons = new List<string>();
        if (requirement.MinTestAccuracy is { } minAccuracy && !(accuracy >= minAccuracy))
            reasons.Add($"mean test accuracy {accuracy:F3} is below {minAccuracy:F3}");
        if (requirement.MaxTestLoss is { } maxLoss && !(loss <= maxLoss))
            reasons.Add($"mean test loss {loss:F4} is above {maxLoss:F4}");
        return new DatasetGrade(requirement.Dataset, reasons.Count == 0, accuracy, loss, reasons.Count == 0 ? null : string.Join("; ", reasons));
    }
}

/// <summary>One training run of a submitted URL: its test metrics, or why it has none (failed, diverged).</summary>
public sealed record RunResult(Guid JobId, int Seed, double? TestAccuracy, double? TestLoss, string? Problem = null);

public sealed record DatasetGrade(PlaygroundGenerator Dataset, bool Passed, double? MeanTestAccuracy, double? MeanTestLoss, string? Reason);
