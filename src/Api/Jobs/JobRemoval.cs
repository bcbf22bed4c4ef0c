using Dojo.Domain.Jobs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Jobs;

/// <summary>Cleanup settings (section <c>Dojo:Cleanup</c>).</summary>
public sealed class CleanupOptions
{
    public const string Section = "Dojo:Cleanup";

    /// <summary>The age (days since a job ended) from which the cleanup takes jobs when the request names none.</summary>
    public int JobsAfterDays { get; set; } = 90;
}

/// <summary>What a removal would take (or took), and what it keeps and why.</summary>
public sealed record RemovalDto(int Jobs, long MetricPoints, long Bytes, int KeptUnfinished, int KeptHandedIn, int KeptInGradingsOrExperiments,
    int KeptNeededByUnfinishedJobs, DateTime? EndedBefore = null, bool Removed = false);

/// <summary>
/// Deleting jobs with their metric points and files. Only ended jobs go, and never one that other things rest on: a job
/// handed in as a submission, a run of a grading or an experiment (their results are read from it), or the source of an
/// unfinished job's transfer (or a GAN's judge). Those are counted as kept, each with its reason.
/// </summary>
public sealed class JobRemoval(IDbContextFactory<DojoDb> contexts, JobFiles files, IOptions<CleanupOptions> options)
{
    public int DefaultAgeDays => options.Value.JobsAfterDays;

    /// <summary>Why a job must stay, or null when it may go.</summary>
    public async Task<string?> ObstacleAsync(DojoDb db, Job job, CancellationToken ct)
    {
        var plan = await PlanAsync(db, [job], ct);
        if (plan.Removable.Count == 1) return null;
        return plan.Kept.Single().Reason;
    }

    /// <summary>Deletes the job (its points, its files); the caller has checked <see cref="ObstacleAsync"/>.</summary>
    public async Task DeleteAsync(DojoDb db, IReadOnlyList<Guid> jobIds, CancellationToken ct)
    {
        foreach (var chunk in jobIds.Chunk(500))
        {
            await db.MetricPoints.Where(p => chunk.Contains(p.JobId)).ExecuteDeleteAsync(ct);
            await db.Jobs.Where(j => chunk.Contains(j.Id) && Ended.Contains(j.State)).ExecuteDeleteAsync(ct);
            foreach (var id in chunk) await files.DeleteAllAsync(id, ct);
        }
    }

    /// <summary>The cleanup of jobs that ended before <paramref name="endedBefore"/>: the counts, and with <paramref name="remove"/> the deletion itself.</summary>
    public async Task<RemovalDto> CleanupAsync(DateTime endedBefore, bool remove, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var old = await db.Jobs.AsNoTracking().Where(j => Ended.Contains(j.State) && (j.FinishedAt ?? j.CreatedAt) < endedBefore).ToListAsync(ct);
        var plan = await PlanAsync(db, old, ct);
        var ids = plan.Removable.Select(j => j.Id).ToList();
        long points = 0;
        foreach (var chunk in ids.Chunk(500)) points += await db.MetricPoints.LongCountAsync(p => chunk.Contains(p.JobId), ct);
        long bytes = 0;
        foreach (var id in ids) bytes += await files.SizeAsync(id, ct);
        if (remove) await DeleteAsync(db, ids, ct);
        int Kept(string reason) => plan.Kept.Count(k => k.Reason.StartsWith(reason, StringComparison.Ordinal));
        return new RemovalDto(ids.Count, points, bytes, Kept(NotEnded), Kept(HandedIn), Kept(InGrading), Kept(Needed), endedBefore, remove);
    }

    /// <summary>The states a job ends in, as a list: the column holds the state's name, so the database cannot compare states by order.</summary>
    private static readonly JobState[] Ended = Enum.GetValues<JobState>().Where(s => s.IsTerminal()).ToArray();

    private const string NotEnded = "the job has not ended", HandedIn = "the job is handed in", InGrading = "the job is a run of",
        Needed = "an unfinished job starts from this one";

    private static async Task<(List<Job> Removable, List<(Job Job, string Reason)> Kept)> PlanAsync(DojoDb db, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        var ids = jobs.Select(j => j.Id).ToList();
        var handedIn = (await db.Submissions.AsNoTracking().Where(s => s.JobId != null && ids.Contains(s.JobId.Value)).Select(s => s.JobId!.Value).ToListAsync(ct)).ToHashSet();
        var runs = (await db.Gradings.AsNoTracking().SelectMany(g => g.Runs).Select(r => r.JobId).Where(id => ids.Contains(id)).ToListAsync(ct))
            .Concat(await db.Experiments.AsNoTracking().SelectMany(e => e.Runs).Select(r => r.JobId).Where(id => ids.Contains(id)).ToListAsync(ct)).ToHashSet();
        // An unfinished job reads its transfer source (or a GAN's judge) when it starts or resumes: its spec names that job.
        var unfinishedSpecs = await db.Jobs.AsNoTracking().Where(j => !Ended.Contains(j.State)).Select(j => j.SpecJson).ToListAsync(ct);
        var removable = new List<Job>();
        var kept = new List<(Job, string)>();
        foreach (var job in jobs)
        {
            string id = job.Id.ToString();
            string? reason = !job.State.IsTerminal() ? $"{NotEnded} ({Domain.Specs.SpecJson.Name(job.State)}); cancel it first"
                : handedIn.Contains(job.Id) ? $"{HandedIn} as a submission; it stays while the submission does"
                : runs.Contains(job.Id) ? $"{InGrading} a grading or an experiment, whose results are read from it"
                : unfinishedSpecs.Any(spec => spec.Contains(id, StringComparison.OrdinalIgnoreCase)) ? $"{Needed} (transfer learning or a GAN's judge)"
                : null;
            if (reason is null) removable.Add(job);
            else kept.Add((job, reason));
        }
        return (removable, kept);
    }
}
