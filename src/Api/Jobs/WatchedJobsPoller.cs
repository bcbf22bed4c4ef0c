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
}

/// <summary>
/// Live updates for jobs trained in another process (a separate worker): while a job has watchers here,
/// one query per interval reads its new points and state and publishes them to <see cref="JobEvents"/>.
/// Jobs trained in this process need no polling: their worker publishes right after each commit.
/// </summary>
public sealed class WatchedJobsPoller(IDbContextFactory<DojoDb> contexts, JobEvents events, IOptions<WatchOptions> options,
    TimeProvider clock, ILogger<WatchedJobsPoller> logger) : BackgroundService
{
    private readonly Dictionary<Guid, long> _published = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
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
