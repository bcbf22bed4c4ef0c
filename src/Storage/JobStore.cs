using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Dojo.Domain.Jobs;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Storage;

/// <summary>
/// The conditional updates by which workers take, hold and finish jobs. Each is a single UPDATE whose
/// WHERE clause states the rule (only a queued job or one whose lease expired can be claimed; only the
/// lease owner of a running job may record progress or finish it), so concurrent workers and duplicate
/// Hangfire deliveries cannot both win. Plain EF Core: the same on SQLite and PostgreSQL.
/// </summary>
public sealed class JobStore(IDbContextFactory<DojoDb> contexts, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>A job as stored, or null.</summary>
    public async Task<Job?> FindAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
    }

    /// <summary>Claims the job for <paramref name="workerId"/>; null when another worker holds it or it has ended.</summary>
    public async Task<Job?> TryClaimAsync(Guid jobId, string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Now;
        int claimed = await db.Jobs
            .Where(j => j.Id == jobId && !j.CancelRequested &&
                        (j.State == JobState.Queued || (j.State == JobState.Running && j.LeaseExpiresAt < now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Running)
                .SetProperty(j => j.LeaseOwner, workerId)
                .SetProperty(j => j.LeaseExpiresAt, now + lease)
                .SetProperty(j => j.Attempts, j => j.Attempts + 1)
                .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now), ct);
        if (claimed == 0) return null;
        return await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId, ct);
    }

    /// <summary>Extends the lease; returns null when the worker lost it, else whether a cancel was requested.</summary>
    public async Task<bool?> RenewLeaseAsync(Guid jobId, string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Now;
        int renewed = await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresAt, now + lease), ct);
        if (renewed == 0) return null;
        return await db.Jobs.Where(j => j.Id == jobId).Select(j => j.CancelRequested).SingleAsync(ct);
    }

    public async Task<bool> IsCancelRequestedAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs.Where(j => j.Id == jobId).Select(j => j.CancelRequested).SingleAsync(ct);
    }

    /// <summary>
    /// Stores metric points and moves the checkpoint marker in one transaction, so that after a crash
    /// the stored points are exactly those before <paramref name="nextSeq"/> of the last checkpoint.
    /// Returns false (and stores nothing) when the worker no longer holds the job.
    /// </summary>
    public async Task<bool> SaveProgressAsync(Guid jobId, string workerId, IReadOnlyList<MetricPoint> points,
        int checkpointEpoch, long nextSeq, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        int owned = await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.CheckpointEpoch, checkpointEpoch)
                .SetProperty(j => j.NextSeq, nextSeq), ct);
        if (owned == 0) return false;
        await InsertPointsAsync(db, points, ct);
        await JobNotifications.NotifyAsync(db, jobId, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Inserts metric points with one prepared statement executed per point, inside the caller's transaction, rather than
    /// tracking each as an entity (a 500-epoch job of four metrics stores 2,000 at its end). Column names, quoting and
    /// value conversions come from EF's model and the provider's type mappings, so the statement is the provider's own
    /// (SQLite here, PostgreSQL at scale).
    /// </summary>
    private static async Task InsertPointsAsync(DojoDb db, IReadOnlyList<MetricPoint> points, CancellationToken ct)
    {
        if (points.Count == 0) return;
        var entity = db.Model.FindEntityType(typeof(MetricPoint))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties().Select(p => (Property: p, Mapping: (RelationalTypeMapping)p.GetRelationalTypeMapping(), Get: p.GetGetter())).ToList();
        var sql = db.GetService<ISqlGenerationHelper>();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} " +
            $"({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Property.GetColumnName(table)!)))}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
        var parameters = columns.Select((c, i) => c.Mapping.CreateParameter(command, $"@p{i}", null, c.Property.IsNullable)).ToArray();
        command.Parameters.AddRange(parameters);
        command.Prepare();
        foreach (var point in points)
        {
            for (int i = 0; i < columns.Count; i++)
            {
                object? value = columns[i].Get.GetClrValue(point);
                if (value is not null && columns[i].Mapping.Converter is { } converter) value = converter.ConvertToProvider(value);
                parameters[i].Value = value ?? DBNull.Value;
            }
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Ends a running job held by <paramref name="workerId"/> with its last points; false if it was not ours.</summary>
    public async Task<bool> FinishAsync(Guid jobId, string workerId, JobState state, string? reason, string? resultJson,
        IReadOnlyList<MetricPoint> points, long nextSeq, CancellationToken ct, string? evaluationJson = null)
    {
        if (!state.IsTerminal()) throw new JobStateException($"{state} is not a final state");
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var now = Now;
        int owned = await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, state)
                .SetProperty(j => j.Reason, reason)
                .SetProperty(j => j.ResultJson, resultJson)
                .SetProperty(j => j.EvaluationJson, evaluationJson)
                .SetProperty(j => j.FinishedAt, now)
                .SetProperty(j => j.NextSeq, nextSeq)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
        if (owned == 0) return false;
        await InsertPointsAsync(db, points, ct);
        await JobNotifications.NotifyAsync(db, jobId, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Gives a running job back to the queue after an attempt failed inside LibTorch, recording the attempt; it resumes
    /// from its checkpoint. False when <paramref name="workerId"/> no longer held it.
    /// </summary>
    public async Task<bool> RetryAsync(Guid jobId, string workerId, string retriesJson, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Queued)
                .SetProperty(j => j.RetriesJson, retriesJson)
                .SetProperty(j => j.DeliveryId, (string?)null)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct) == 1;
    }

    /// <summary>Gives a running job back to the queue (worker shutting down); it resumes from its checkpoint.</summary>
    public async Task ReleaseAsync(Guid jobId, string workerId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Jobs
            .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Queued)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
    }

    /// <summary>Records which Hangfire job delivers the job's current attempt.</summary>
    public async Task MarkDeliveredAsync(Guid jobId, string deliveryId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Jobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s.SetProperty(j => j.DeliveryId, deliveryId), ct);
    }

    /// <summary>
    /// Queued jobs that were stored but never handed to Hangfire (the API stopped in between), older
    /// than <paramref name="grace"/>; the caller delivers them.
    /// </summary>
    public async Task<IReadOnlyList<Job>> UndeliveredAsync(TimeSpan grace, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var before = Now - grace;
        return await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued && j.DeliveryId == null && j.CreatedAt < before)
            .ToListAsync(ct);
    }

    /// <summary>
    /// Re-queues running jobs whose lease expired (their worker died) and returns them, so the caller
    /// can deliver them again; a late redelivery of the old message then finds nothing to claim.
    /// </summary>
    public async Task<IReadOnlyList<Job>> RequeueExpiredAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Now;
        var expired = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Running && j.LeaseExpiresAt < now)
            .ToListAsync(ct);
        var requeued = new List<Job>();
        foreach (var job in expired)
        {
            int updated = await db.Jobs
                .Where(j => j.Id == job.Id && j.State == JobState.Running && j.LeaseExpiresAt < now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.State, JobState.Queued)
                    .SetProperty(j => j.DeliveryId, (string?)null)
                    .SetProperty(j => j.LeaseOwner, (string?)null)
                    .SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), ct);
            if (updated == 1) requeued.Add(job);
        }
        return requeued;
    }

    /// <summary>
    /// A cancel request: a queued job is cancelled at once; a running one is flagged, and its worker stops
    /// it at the next batch. Two conditional updates, so that a worker claiming or finishing the job
    /// meanwhile is never overwritten.
    /// </summary>
    public async Task<CancelOutcome> RequestCancelAsync(Guid jobId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Now;
        int cancelled = await db.Jobs
            .Where(j => j.Id == jobId && j.State == JobState.Queued)
            .ExecuteUpdateAsync(s => s
                .SetProperty(j => j.State, JobState.Cancelled)
                .SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.Reason, "cancelled on request")
                .SetProperty(j => j.FinishedAt, now), ct);
        if (cancelled == 1) return CancelOutcome.Cancelled;
        int flagged = await db.Jobs.Where(j => j.Id == jobId && j.State == JobState.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.CancelRequested, true), ct);
        if (flagged == 1) return CancelOutcome.Requested;
        return await db.Jobs.AnyAsync(j => j.Id == jobId, ct) ? CancelOutcome.AlreadyEnded : CancelOutcome.NotFound;
    }

    public async Task HeartbeatAsync(string workerId, IReadOnlyList<string> devices, int slots, DateTime startedAt, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = Now;
        int updated = await db.Workers.Where(w => w.Id == workerId)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.HeartbeatAt, now), ct);
        if (updated == 0)
        {
            db.Workers.Add(WorkerRegistration.Create(workerId, devices, slots, startedAt));
            await db.SaveChangesAsync(ct);
        }
    }

    public async Task RemoveWorkerAsync(string workerId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Workers.Where(w => w.Id == workerId).ExecuteDeleteAsync(ct);
    }

    /// <summary>The devices offered by workers whose heartbeat is within <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<string>> LiveDevicesAsync(TimeSpan timeout, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var since = Now - timeout;
        var live = await db.Workers.AsNoTracking().Where(w => w.HeartbeatAt >= since).Select(w => w.Devices).ToListAsync(ct);
        return live.SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries)).Distinct().Order().ToList();
    }

    /// <summary>The stored points of one epoch (the checkpoint's, for a job that resumes after it).</summary>
    public async Task<IReadOnlyList<MetricPoint>> EpochPointsAsync(Guid jobId, int epoch, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.MetricPoints.AsNoTracking().Where(p => p.JobId == jobId && p.Epoch == epoch).OrderBy(p => p.Seq).ToListAsync(ct);
    }

    /// <summary>A job's points from <paramref name="fromSeq"/> in order, at most <paramref name="limit"/>; only the <paramref name="names"/> given, if any.</summary>
    public async Task<IReadOnlyList<MetricPoint>> PointsAsync(Guid jobId, long fromSeq, int limit, CancellationToken ct, IReadOnlyCollection<string>? names = null)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var points = db.MetricPoints.AsNoTracking().Where(p => p.JobId == jobId && p.Seq >= fromSeq);
        if (names is { Count: > 0 }) points = points.Where(p => names.Contains(p.Name));
        return await points.OrderBy(p => p.Seq).Take(limit).ToListAsync(ct);
    }
}

/// <summary>What a cancel request did: cancelled a queued job, flagged a running one, or found it ended or missing.</summary>
public enum CancelOutcome { NotFound, Cancelled, Requested, AlreadyEnded }
