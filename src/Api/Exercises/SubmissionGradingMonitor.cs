using Dojo.Api.Playground;
using Dojo.Domain.Exercises;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Exercises;

/// <summary>
/// Moves submissions from <c>grading</c> to <c>graded</c> once every run of their automatic grading has ended,
/// recording pass/fail and a summary. The runs may be trained by any worker process; the jobs table says when
/// they have ended, so this polls it. The update is conditional on the state, so two API processes doing the
/// same cannot disagree.
/// </summary>
public sealed class SubmissionGradingMonitor(IDbContextFactory<DojoDb> contexts, PlaygroundGrader grader, IOptions<GradingOptions> options,
    ILogger<SubmissionGradingMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Checking submissions under grading failed; trying again");
            }
        }
    }

    /// <summary>The automatic grade out of 100: the share of the required data sets that passed (XOR passed, spiral failed: 50).</summary>
    public static double AutoScore(GradingDto grading) =>
        grading.Datasets.Count == 0 ? 0 : Math.Round(100.0 * grading.Datasets.Count(d => d.Passed == true) / grading.Datasets.Count, 1);

    public async Task CheckAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var grading = await db.Submissions.AsNoTracking().Where(s => s.State == SubmissionState.Grading && s.GradingId != null)
            .Select(s => new { s.Id, GradingId = s.GradingId!.Value }).ToListAsync(ct);
        foreach (var submission in grading)
        {
            var result = await grader.ReadAsync(submission.GradingId, ct);
            if (result?.Passed is not { } passed) continue; // still running
            string summary = SubmissionReading.Summarize(result);
            double score = AutoScore(result);
            await db.Submissions.Where(s => s.Id == submission.Id && s.State == SubmissionState.Grading)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(s => s.State, SubmissionState.Graded)
                    .SetProperty(s => s.AutoPassed, passed)
                    .SetProperty(s => s.AutoSummary, summary)
                    .SetProperty(s => s.AutoScore, score), ct);
        }
    }
}
