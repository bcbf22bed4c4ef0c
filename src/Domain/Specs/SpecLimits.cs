namespace Dojo.Domain.Specs;

/// <summary>Caps enforced at submit time (configurable under <c>Dojo:Limits</c>).</summary>
public sealed record SpecLimits
{
    public long MaxParameters { get; init; } = 5_000_000;
    public int MaxEpochs { get; init; } = 10_000;
    public int MaxSamples { get; init; } = 100_000;
    public int MaxLayers { get; init; } = 64;
    /// <summary>A student's queued and running jobs at once (their gradings' runs do not count; instructors have no limit).</summary>
    public int MaxActiveJobsPerStudent { get; init; } = 2;
    /// <summary>A student's queued and running runs of gradings and experiments at once.</summary>
    public int MaxActiveGroupJobsPerStudent { get; init; } = 40;
}
