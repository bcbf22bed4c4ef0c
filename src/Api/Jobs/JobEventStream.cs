using Dojo.Api.People;
using Dojo.Domain.Jobs;
using Dojo.Protos.V1;
using Dojo.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;
using ProtoJobState = Dojo.Protos.V1.JobState;
using ProtoMetricPoint = Dojo.Protos.V1.MetricPoint;

namespace Dojo.Api.Jobs;

/// <summary>
/// One job's events as a gRPC stream writes them, for every service that streams jobs (Jobs.WatchJob one job,
/// Experiments.WatchExperiment all runs of one): it subscribes to live updates first, then replays stored points
/// from the database from <c>from_seq</c>, then follows the live ones; any gap (a missed update, a poller that
/// started late) is filled from the database, so each point is sent once and in order, and the final state last.
/// </summary>
public sealed class JobEventStream(IDbContextFactory<DojoDb> contexts, JobStore store, JobEvents events)
{
    private const int ReplayPage = 1000;

    /// <summary>
    /// Sends a job's events through <paramref name="write"/> until its final state: stored points from
    /// <paramref name="fromSeq"/>, then points a worker in this process has not committed yet, then live ones.
    /// </summary>
    public async Task StreamAsync(Guid jobId, long fromSeq, Viewer viewer, Func<JobEvent, Task> write, CancellationToken ct)
    {
        using var subscription = events.Subscribe(jobId);
        if (await LoadAsync(contexts, jobId, viewer, ct) is null) throw NotFound(jobId);

        long sent = Math.Max(fromSeq, 1) - 1;
        while (true)
        {
            // Replay from the database: everything after the last point sent; then what a worker in this
            // process has published but not committed yet.
            while (true)
            {
                var points = await store.PointsAsync(jobId, sent + 1, ReplayPage, ct);
                foreach (var point in points) await write(new JobEvent { Metric = ToProto(point) });
                if (points.Count > 0) sent = points[^1].Seq;
                if (points.Count < ReplayPage) break;
            }
            foreach (var point in events.Uncommitted(jobId, sent + 1))
            {
                if (point.Seq != sent + 1) break;
                await write(new JobEvent { Metric = ToProto(point) });
                sent = point.Seq;
            }
            var job = await LoadAsync(contexts, jobId, viewer, ct) ?? throw NotFound(jobId);
            if (job.State.IsTerminal() && sent >= job.NextSeq - 1)
            {
                await write(new JobEvent { State = new JobStateChanged { State = ToProto(job.State), Reason = job.Reason ?? "", NextSeq = job.NextSeq } });
                return;
            }

            // Follow live updates while they continue the sequence; anything else sends us back to the database.
            bool resync = false;
            while (!resync)
            {
                var update = await subscription.Reader.ReadAsync(ct);
                foreach (var point in update.Points)
                {
                    if (point.Seq <= sent) continue;
                    if (point.Seq != sent + 1) { resync = true; break; }
                    await write(new JobEvent { Metric = ToProto(point) });
                    sent = point.Seq;
                }
                if (update.FinalState is not null) resync = true;
            }
        }
    }

    public static async Task<Job?> LoadAsync(IDbContextFactory<DojoDb> contexts, Guid id, Viewer viewer, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(j => j.Id == id, ct);
    }

    public static RpcException NotFound(Guid id) => new(new Status(StatusCode.NotFound, $"no job {id}"));

    private static ProtoMetricPoint ToProto(Domain.Jobs.MetricPoint point) => new()
    {
        Seq = point.Seq,
        Epoch = point.Epoch,
        Step = point.Step,
        Name = point.Name,
        Value = point.Value,
        Text = point.Text ?? "",
        RecordedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(point.Timestamp, DateTimeKind.Utc)),
    };

    public static Domain.Jobs.JobState FromProto(ProtoJobState state) => System.Enum.GetValues<Domain.Jobs.JobState>().Single(s => ToProto(s) == state);

    public static ProtoJobState ToProto(Domain.Jobs.JobState state) => state switch
    {
        Domain.Jobs.JobState.Queued => ProtoJobState.Queued,
        Domain.Jobs.JobState.Running => ProtoJobState.Running,
        Domain.Jobs.JobState.Succeeded => ProtoJobState.Succeeded,
        Domain.Jobs.JobState.Failed => ProtoJobState.Failed,
        Domain.Jobs.JobState.Cancelled => ProtoJobState.Cancelled,
        Domain.Jobs.JobState.Diverged => ProtoJobState.Diverged,
        _ => ProtoJobState.Unspecified,
    };
}
