namespace Dojo.Domain.Specs;

/// <summary>Caps enforced at submit time (configurable under <c>Dojo:Limits</c>).</summary>
public sealed record SpecLimits
{
    public long MaxParameters { get; init; } = 5_000_000;
    public int MaxEpochs { get; init; } = 10_000;
    public int MaxSamples { get; init; } = 100_000;
    public int MaxLayers { get; init; } = 64;
    /// <summary>The most values (floats) a data set Dojo makes from a spec may hold, such as recall sequences: 64 million, 256 MB.</summary>
    public long MaxDatasetValues { get; init; } = 64_000_000;
    /// <summary>A student's queued and running jobs at once (their gradings' runs do not count; instructors have no limit).</summary>
    public int MaxActiveJobsPerStudent { get; init; } = 2;
    /// <summary>A student's queued and running runs of gradings and experiments at once.</summary>
    public int MaxActiveGroupJobsPerStudent { get; init; } = 40;
    /// <summary>The most a job may cost, in estimated floating-point operations (checked at submit; about an hour and a half of one core here).</summary>
    public double MaxJobFlops { get; init; } = 1e14;
    /// <summary>How long a job may run from its first start, in seconds; then it ends failed, its checkpoint and points kept.</summary>
    public double MaxJobSeconds { get; init; } = 6 * 3600;
    /// <summary>What a student's jobs of the last 24 hours may cost together, in estimated floating-point operations (instructors: no limit).</summary>
    public double DailyFlopsPerStudent { get; init; } = 1e15;
}
