using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;

namespace Dojo.Api.Jobs;

/// <summary>
/// A job to train, as <c>POST /api/jobs</c> takes it: an optional <c>name</c> beside the spec of its kind
/// (<c>"kind"</c>, supervised when left out). A part of the spec that is a network, optimizer or data set may be given
/// by the id of a saved one instead (<c>networkId</c>, <c>datasetId</c>, …, and so <c>generatorId</c> for a part named
/// <c>generator</c>). A supervised job's <c>optimizer</c> and <c>training</c> default to SGD (lr 0.03) and mse, batch
/// 10, 100 epochs, cpu.
/// </summary>
public sealed record SubmitJobRequest(string? Name, JsonObject Spec)
{
    /// <summary>The body of <c>POST /api/jobs</c>: a name, and every other member belongs to the spec.</summary>
    public sealed record Body
    {
        public string? Name { get; init; }

        [JsonExtensionData]
        public JsonObject? Spec { get; set; }
    }

    public static SubmitJobRequest From(Body body) => new(body.Name, body.Spec ?? []);

    /// <summary>A request body as sent: its <c>name</c> apart, the rest is the spec.</summary>
    public static SubmitJobRequest From(JsonObject body)
    {
        var spec = body.DeepClone().AsObject();
        string? name = spec["name"] switch
        {
            null => null,
            JsonValue value when value.TryGetValue(out string? text) => text,
            _ => throw new JsonException("must be a string", "$.name", null, null),
        };
        spec.Remove("name");
        return new SubmitJobRequest(name, spec);
    }

    public static SubmitJobRequest For(string? name, JobSpec spec) => new(name, SpecJson.ToJsonObject(spec));
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
    IReadOnlyList<InternalRetry> Retries,
    JobSpec Spec)
{
    public static JobDto From(Job job) => new(
        job.Id, job.Name, job.OwnerId, job.InGroup, job.State, job.Device, job.Attempts, job.CreatedAt, job.StartedAt, job.FinishedAt,
        job.CheckpointEpoch, job.NextSeq, job.Reason,
        job.ResultJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, double>>(job.ResultJson),
        job.EvaluationJson is null ? null : SpecJson.DeserializeStored<Evaluation>(job.EvaluationJson),
        job.Retries,
        SpecJson.DeserializeStored<JobSpec>(job.SpecJson));
}

public sealed record JobPage(IReadOnlyList<JobDto> Items, int Page, int PageSize, int Total);

public sealed record MetricPointDto(long Seq, int Epoch, long Step, string Name, double Value, DateTime Timestamp,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text = null)
{
    public static MetricPointDto From(MetricPoint p) => new(p.Seq, p.Epoch, p.Step, p.Name, p.Value, p.Timestamp, p.Text);
}

/// <summary>A page of points; ask again with <c>fromSeq = NextFromSeq</c> for the rest.</summary>
public sealed record MetricPage(IReadOnlyList<MetricPointDto> Items, long NextFromSeq);
