using Dojo.Domain.Jobs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Jobs;

public sealed class WatchOptions
{
    public const string Section = "Dojo:Watch";

    /// <summary>How often jobs trained by another process are polled for new points while someone watches them.</summary>
    public int PollMilliseconds { get; set; } = 100;

    /// <summary>
    /// On PostgreSQL: read new points when a worker's commit notifies (LISTEN/NOTIFY), polling only every
    /// <see cref="NotifiedPollMilliseconds"/> for what sends no notification. False: poll every <see cref="PollMilliseconds"/>.
    /// </summary>
    public bool Notify { get; set; } = true;

    public int NotifiedPollMilliseconds { get; set; } = 1000;
}

/// <summary>
/// Live updates for jobs trained in another process (a separate worker): while a job has watchers here,
/// one query per interval — or, on PostgreSQL, per worker's commit (<see cref="JobNotifications"/>) — reads its new points
/// and state and publishes them to <see cref="JobEvents"/>.
/// Jobs trained in this process need no polling: their worker publishes right after each commit.
/// </summary>
public sealed class WatchedJobsPoller(IDbContextFactory<DojoDb> contexts, JobEvents events, IOptions<WatchOptions> options,
    IOptions<DojoOptions> storage, TimeProvider clock, ILogger<WatchedJobsPoller> logger) : BackgroundService
{
    private readonly Dictionary<Guid, long> _published = [];

    private readonly SemaphoreSlim _notified = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool listening = options.Value.Notify && storage.Value.IsPostgres;
        var interval = TimeSpan.FromMilliseconds(listening ? options.Value.NotifiedPollMilliseconds : options.Value.PollMilliseconds);
        var listener = listening ? ListenAsync(stoppingToken) : Task.CompletedTask;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _notified.WaitAsync(interval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            while (_notified.CurrentCount > 0) _notified.Wait(0); // one read covers every notification so far
            var watched = events.WatchedElsewhere();
            foreach (var gone in _published.Keys.Except(watched).ToList()) _published.Remove(gone);
            if (watched.Count == 0) continue;
            try
            {
                await PollAsync(watched, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Polling watched jobs failed");
            }
        }
        await listener;
    }

    /// <summary>LISTENs on its own connection for workers' commits, reconnecting after a failure; each one wakes the poll.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(storage.Value.DedicatedConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, _) => _notified.Release();
                await using (var listen = new Npgsql.NpgsqlCommand($"LISTEN {JobNotifications.Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                _notified.Release(); // anything committed before LISTEN took effect
                while (true) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Listening for job progress failed; polling until it reconnects");
                try { await Task.Delay(TimeSpan.FromSeconds(1), clock, ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task PollAsync(IReadOnlyList<Guid> watched, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var jobs = await db.Jobs.AsNoTracking().Where(j => watched.Contains(j.Id))
            .Select(j => new { j.Id, j.State, j.NextSeq }).ToListAsync(ct);
        foreach (var job in jobs)
        {
            long known = _published.GetValueOrDefault(job.Id, job.NextSeq - 1);
            var points = job.NextSeq - 1 > known
                ? await db.MetricPoints.AsNoTracking().Where(p => p.JobId == job.Id && p.Seq > known).OrderBy(p => p.Seq).ToListAsync(ct)
                : [];
            _published[job.Id] = points.Count > 0 ? points[^1].Seq : known;
            JobState? final = job.State.IsTerminal() ? job.State : null;
            if (points.Count > 0 || final is not null) events.Publish(new JobUpdate(job.Id, points, final));
        }
    }
}
