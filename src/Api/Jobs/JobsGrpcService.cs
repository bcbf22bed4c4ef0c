using Dojo.Api.People;
using Dojo.Protos.V1;
using Dojo.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Jobs;

/// <summary>
/// gRPC <c>dojo.v1.Jobs</c>: WatchJob streams a job's points and final state (<see cref="JobEventStream"/>), GetJob
/// its state and result. The same bearer tokens as REST; a student's call for another's job is NotFound.
/// </summary>
public sealed class JobsGrpcService(IDbContextFactory<DojoDb> contexts, JobEventStream events) : Protos.V1.Jobs.JobsBase
{
    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> stream, ServerCallContext context)
    {
        var jobId = ParseId(request.JobId);
        if (request.FromSeq < 0) throw new RpcException(new Status(StatusCode.InvalidArgument, "from_seq must be 0 or more"));
        var viewer = Viewer.From(context.GetHttpContext().User);
        await events.StreamAsync(jobId, request.FromSeq, viewer, e => stream.WriteAsync(e, context.CancellationToken), context.CancellationToken);
    }

    public override async Task<JobInfo> GetJob(GetJobRequest request, ServerCallContext context)
    {
        var jobId = ParseId(request.JobId);
        var job = await JobEventStream.LoadAsync(contexts, jobId, Viewer.From(context.GetHttpContext().User), context.CancellationToken)
            ?? throw JobEventStream.NotFound(jobId);
        var info = new JobInfo
        {
            Id = job.Id.ToString(),
            Name = job.Name ?? "",
            State = JobEventStream.ToProto(job.State),
            Attempts = job.Attempts,
            Device = job.Device,
            CheckpointEpoch = job.CheckpointEpoch,
            NextSeq = job.NextSeq,
            Reason = job.Reason ?? "",
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(job.CreatedAt, DateTimeKind.Utc)),
            StartedAt = job.StartedAt is { } started ? Timestamp.FromDateTime(DateTime.SpecifyKind(started, DateTimeKind.Utc)) : null,
            FinishedAt = job.FinishedAt is { } finished ? Timestamp.FromDateTime(DateTime.SpecifyKind(finished, DateTimeKind.Utc)) : null,
        };
        if (job.ResultJson is not null)
            info.Result.Add(System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, double>>(job.ResultJson)!);
        return info;
    }

    private static Guid ParseId(string id) =>
        Guid.TryParse(id, out var parsed) ? parsed : throw new RpcException(new Status(StatusCode.InvalidArgument, $"job_id '{id}' is not a UUID"));
}
