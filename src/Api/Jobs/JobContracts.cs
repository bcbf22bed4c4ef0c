using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;

namespace Dojo.Api.Jobs;

/// <summary>
/// A job to train. Each part is given inline or by the id of a saved spec (<c>networkId</c> …);
/// <c>optimizer</c> and <c>training</c> default to SGD (lr 0.03) and mse, batch 10, 100 epochs, cpu.
/// </summary>
public sealed record SubmitJobRequest
{
    public string? Name { get; init; }
    public DatasetSpec? Dataset { get; init; }
    public Guid? DatasetId { get; init; }
    public NetworkSpec? Network { get; init; }
    public Guid? NetworkId { get; init; }
    public OptimizerSpec? Optimizer { get; init; }
    public Guid? OptimizerId { get; init; }
    public TrainingSpec? Training { get; init; }
}

public sealed record JobDto(
    Guid Id,
    string? Name,
    Guid OwnerId,
    bool InGroup,
    JobState State,
    string Device,
    int Attempts,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    int CheckpointEpoch,
    long NextSeq,
    string? Reason,
    IReadOnlyDictionary<string, double>? Result,
    Evaluation? Evaluation,
    JobSpec Spec)
{
    public static JobDto From(Job job) => new(
        job.Id, job.Name, job.OwnerId, job.InGroup, job.State, job.Device, job.Attempts, job.CreatedAt, job.StartedAt, job.FinishedAt,
        job.CheckpointEpoch, job.NextSeq, job.Reason,
        job.ResultJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(job.ResultJson),
        job.EvaluationJson is null ? null : SpecJson.Deserialize<Evaluation>(job.EvaluationJson),
        SpecJson.Deserialize<JobSpec>(job.SpecJson));
}

public sealed record JobPage(IReadOnlyList<JobDto> Items, int Page, int PageSize, int Total);

public sealed record MetricPointDto(long Seq, int Epoch, long Step, string Name, double Value, DateTime Timestamp)
{
    public static MetricPointDto From(MetricPoint p) => new(p.Seq, p.Epoch, p.Step, p.Name, p.Value, p.Timestamp);
}

/// <summary>A page of points; ask again with <c>fromSeq = NextFromSeq</c> for the rest.</summary>
public sealed record MetricPage(IReadOnlyList<MetricPointDto> Items, long NextFromSeq);
