namespace Dojo.Domain.Jobs;

/// <summary>
/// A group of jobs made from one base request and a grid of values to vary (<c>"optimizer.kind": ["sgd", "adam"]</c>):
/// one job per combination, labelled by its values, so that their curves can be compared.
/// </summary>
public sealed class Experiment
{
    private readonly List<ExperimentRun> _runs = [];

    private Experiment() { }

    public Guid Id { get; private set; }
    public Guid OwnerId { get; private set; }
    public string Name { get; private set; } = "";
    /// <summary>The request as given: <c>{ "base": {...}, "vary": {...} }</c>.</summary>
    public string DefinitionJson { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public IReadOnlyList<ExperimentRun> Runs => _runs;

    public static Experiment Create(string name, Guid ownerId, string definitionJson, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now), OwnerId = ownerId, Name = name, DefinitionJson = definitionJson, CreatedAt = now,
    };

    public void AddRun(int index, string label, Guid jobId) => _runs.Add(new ExperimentRun { Index = index, Label = label, JobId = jobId });
}

public sealed class ExperimentRun
{
    public int Id { get; private set; }
    public int Index { get; init; }
    /// <summary>The run's values: "optimizer.kind=adam".</summary>
    public string Label { get; init; } = "";
    public Guid JobId { get; init; }
}
