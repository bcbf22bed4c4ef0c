using System.Text.Json;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Training;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dojo.Worker.Jobs;

/// <summary>
/// The Hangfire job that trains one Dojo job. It claims the job (a duplicate delivery finds nothing to
/// claim), resumes from the last checkpoint if there is one, trains on this Hangfire worker thread, and
/// finishes the job in Dojo's table. Retries are off: a failing training is recorded as failed, once;
/// a worker that dies is covered by leases, not by Hangfire retries.
/// </summary>
[AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
public sealed class TrainingJob(
    JobStore store,
    JobFiles files,
    JobEvents events,
    IServiceProvider services,
    IOptions<WorkerOptions> options,
    TimeProvider clock,
    ILogger<TrainingJob> logger)
{
    private readonly WorkerOptions _options = options.Value;

    public void Run(Guid jobId, CancellationToken shutdown) => RunAsync(jobId, shutdown).GetAwaiter().GetResult();

    private async Task RunAsync(Guid jobId, CancellationToken shutdown)
    {
        string workerId = _options.ResolvedName;
        var job = await store.TryClaimAsync(jobId, workerId, _options.Lease, shutdown);
        if (job is null)
        {
            logger.LogInformation("Job {JobId}: nothing to claim (already running elsewhere, finished or cancelled)", jobId);
            return;
        }
        logger.LogInformation("Job {JobId}: claimed by {Worker}, attempt {Attempt}, resuming after epoch {Epoch}", jobId, workerId, job.Attempts, job.CheckpointEpoch);
        TorchSharp.torch.set_num_threads(_options.IntraOpThreads);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        await using var keeper = new LeaseKeeper(jobId, workerId, store, _options, clock, logger, stop);
        await using var recorder = new ProgressRecorder(job, workerId, store, files, events, clock, TimeSpan.FromSeconds(_options.CheckpointMinSeconds), () =>
        {
            keeper.LeaseLost = true;
            stop.Cancel();
        });

        using var trainingHere = events.TrainingHere(jobId, recorder.Uncommitted);
        var session = new Session(job, ReadCheckpoint(job), stop.Token, recorder);
        try
        {
            var trainer = services.GetRequiredKeyedService<ITrainer>(TrainerKinds.Supervised);
            var outcome = trainer.Train(session);
            await recorder.FlushAsync();
            switch (outcome)
            {
                case TrainingOutcome.Completed completed:
                    JobFiles.WriteAtomically(files.Model(jobId), completed.Weights);
                    var result = ResultJson(session.LastMetrics, completed.Final);
                    await recorder.FinishAsync(JobState.Succeeded, null, result, completed.Final, session.LastEpoch, session.LastStep, CancellationToken.None);
                    logger.LogInformation("Job {JobId}: succeeded {Result}", jobId, result);
                    break;
                case TrainingOutcome.Diverged diverged:
                    await recorder.FinishAsync(JobState.Diverged, diverged.Reason, ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None);
                    logger.LogInformation("Job {JobId}: diverged: {Reason}", jobId, diverged.Reason);
                    break;
            }
        }
        catch (OperationCanceledException) when (keeper.CancelRequested)
        {
            await recorder.FlushAsync();
            await recorder.FinishAsync(JobState.Cancelled, "cancelled on request", ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None);
            logger.LogInformation("Job {JobId}: cancelled at epoch {Epoch}", jobId, session.LastEpoch);
        }
        catch (OperationCanceledException) when (keeper.LeaseLost)
        {
            logger.LogWarning("Job {JobId}: lease lost; another worker owns it now", jobId);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // Worker shutting down: keep what was committed, give the job back, and let Hangfire requeue it.
            await recorder.FlushAsync();
            await store.ReleaseAsync(jobId, workerId, CancellationToken.None);
            logger.LogInformation("Job {JobId}: released at shutdown after epoch {Epoch}", jobId, session.LastEpoch);
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Job {JobId}: training failed", jobId);
            try { await recorder.FlushAsync(); } catch (Exception flush) { logger.LogError(flush, "Job {JobId}: flushing progress failed", jobId); }
            await recorder.FinishAsync(JobState.Failed, $"{ex.GetType().Name}: {ex.Message}", ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None);
        }
    }

    private Checkpoint? ReadCheckpoint(Job job) =>
        job.CheckpointEpoch == 0 ? null : CheckpointFile.Read(files.Checkpoint(job.Id, job.CheckpointEpoch), job.CheckpointEpoch);

    private static string ResultJson(IReadOnlyList<Metric> lastEpoch, IReadOnlyList<Metric> final) =>
        JsonSerializer.Serialize(lastEpoch.Concat(final).Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Name, m => m.Value));

    private sealed class Session(Job job, Checkpoint? resumeFrom, CancellationToken stopping, ProgressRecorder recorder) : ITrainingSession
    {
        public Guid JobId => job.Id;
        public JobSpec Spec { get; } = SpecJson.Deserialize<JobSpec>(job.SpecJson);
        public Checkpoint? ResumeFrom => resumeFrom;
        public CancellationToken Stopping => stopping;
        public int LastEpoch { get; private set; } = job.CheckpointEpoch;
        public long LastStep { get; private set; } = resumeFrom?.Step ?? 0;
        public IReadOnlyList<Metric> LastMetrics { get; private set; } = [];

        public void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<byte[]> checkpointState)
        {
            recorder.Record(epoch, step, metrics, checkpointState);
            (LastEpoch, LastStep, LastMetrics) = (epoch, step, metrics);
        }
    }
}

public static class TrainerKinds
{
    public const string Supervised = "supervised";
}
