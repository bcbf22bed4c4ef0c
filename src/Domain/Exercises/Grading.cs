using Dojo.Domain.Specs;

namespace Dojo.Domain.Exercises;

/// <summary>
/// An automatic grading of playground URLs against <see cref="PlaygroundGradingRule"/>: one training job
/// per required data set and seed. The jobs are the truth about the runs; the grade is read from them.
/// </summary>
public sealed class Grading
{
    private readonly List<GradingRun> _runs = [];

    private Grading() { }

    public Guid Id { get; private set; }
    public DateTime CreatedAt { get; private set; }
    /// <summary>The user whose URLs are graded.</summary>
    public Guid OwnerId { get; private set; }
    /// <summary>The rule as JSON, as it was when the grading started.</summary>
    public string RuleJson { get; private set; } = "";
    public IReadOnlyList<GradingRun> Runs => _runs;

    public static Grading Start(PlaygroundGradingRule rule, Guid ownerId, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        OwnerId = ownerId,
        CreatedAt = now,
        RuleJson = SpecJson.Serialize(rule),
    };

    public PlaygroundGradingRule Rule => SpecJson.DeserializeStored<PlaygroundGradingRule>(RuleJson);

    public void AddRun(PlaygroundGenerator dataset, string url, int seed, Guid jobId) =>
        _runs.Add(new GradingRun { Dataset = dataset, Url = url, Seed = seed, JobId = jobId });
}

public sealed class GradingRun
{
    public int Id { get; private set; }
    public PlaygroundGenerator Dataset { get; init; }
    public string Url { get; init; } = "";
    public int Seed { get; init; }
    public Guid JobId { get; init; }
}
