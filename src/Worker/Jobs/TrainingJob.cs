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
    JobQueue queue,
    JobFiles files,
    JobEvents events,
    IServiceProvider services,
    IOptions<WorkerOptions> options,
    IOptions<SpecLimits> limits,
    TimeProvider clock,
    ILogger<TrainingJob> logger)
{
    private readonly WorkerOptions _options = options.Value;

    /// <summary>
    /// Runs on the Hangfire worker's own thread, and so does the training loop: libtorch's thread setting
    /// is per OS thread, and a loop that hopped across awaits would run on shared pool threads.
    /// </summary>
    public void Run(Guid jobId, CancellationToken shutdown)
    {
        string workerId = _options.ResolvedName;
        var job = store.TryClaimAsync(jobId, workerId, _options.Lease, shutdown).GetAwaiter().GetResult();
        if (job is null)
        {
            logger.LogInformation("Job {JobId}: nothing to claim (already running elsewhere, finished or cancelled)", jobId);
            return;
        }
        logger.LogInformation("Job {JobId}: claimed by {Worker}, attempt {Attempt}, resuming after epoch {Epoch}", jobId, workerId, job.Attempts, job.CheckpointEpoch);
        TorchSharp.torch.set_num_threads(_options.IntraOpThreads);

        // The wall-clock limit counts from the job's first start, across resumes.
        var ranFor = clock.GetUtcNow().UtcDateTime - (job.StartedAt ?? clock.GetUtcNow().UtcDateTime);
        using var wallClock = new CancellationTokenSource(Clamp(TimeSpan.FromSeconds(limits.Value.MaxJobSeconds) - ranFor), clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(shutdown, wallClock.Token);
        var keeper = new LeaseKeeper(jobId, workerId, store, _options, clock, logger, stop);
        var recorder = new ProgressRecorder(job, workerId, store, files, events, clock, TimeSpan.FromSeconds(_options.CheckpointMinSeconds), () =>
        {
            keeper.LeaseLost = true;
            stop.Cancel();
        });
        try
        {
            using var trainingHere = events.TrainingHere(jobId, recorder.Uncommitted);
            var session = new Session(job, stop.Token, recorder, files);
            TrainingOutcome? outcome = null;
            Exception? error = null;
            try
            {
                // The spec is read once, here; a kind this worker has no trainer for fails the job with that reason.
                var spec = SpecJson.DeserializeStored<JobSpec>(job.SpecJson);
                var trainer = services.GetKeyedService<ITrainer>(spec.Kind)
                    ?? throw new InvalidOperationException($"this worker has no trainer for {spec.Kind} jobs");
                var checkpoint = ReadCheckpoint(job);
                files.EnsureUploadLocalAsync(spec, shutdown).GetAwaiter().GetResult();
                // A job resumed after its last epoch runs none: its result's epoch figures are the checkpoint's, as stored.
                var checkpointed = checkpoint is null ? [] : store.EpochPointsAsync(job.Id, checkpoint.Epoch, shutdown).GetAwaiter().GetResult()
                    .Select(p => new Metric(p.Name, p.Value)).ToList();
                session.Start(spec, checkpoint, checkpointed, ReadTransferSource(spec, required: checkpoint is null, shutdown));
                outcome = trainer.Train(session);
            }
            catch (Exception ex)
            {
                error = ex;
            }
            ConcludeAsync(job, session, outcome, error, keeper, recorder, shutdown, wallClock.IsCancellationRequested).GetAwaiter().GetResult();
        }
        finally
        {
            recorder.DisposeAsync().AsTask().GetAwaiter().GetResult();
            keeper.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Records how the training ended; rethrows a shutdown so that Hangfire requeues the job.</summary>
    private async Task ConcludeAsync(Job job, Session session, TrainingOutcome? outcome, Exception? error,
        LeaseKeeper keeper, ProgressRecorder recorder, CancellationToken shutdown, bool outOfTime)
    {
        var jobId = job.Id;
        string workerId = _options.ResolvedName;
        switch (error)
        {
            case null:
                await recorder.FlushAsync();
                switch (outcome)
                {
                    case TrainingOutcome.Completed completed:
                        foreach (var (name, weights) in completed.Models)
                        {
                            await files.WriteAsync(JobFiles.Model(jobId, name, ModelFormat.TorchSharp), weights.TorchSharp, CancellationToken.None);
                            await files.WriteAsync(JobFiles.Model(jobId, name, ModelFormat.Safetensors), weights.Safetensors, CancellationToken.None);
                            await files.WriteAsync(JobFiles.Model(jobId, name, ModelFormat.PyTorch), weights.PyTorch, CancellationToken.None);
                        }
                        var result = ResultJson(session.LastMetrics, completed.Final);
                        string? evaluation = completed.Evaluation is null ? null : SpecJson.Serialize(completed.Evaluation);
                        await recorder.FinishAsync(JobState.Succeeded, null, result, completed.Final, session.LastEpoch, session.LastStep, CancellationToken.None, evaluation);
                        logger.LogInformation("Job {JobId}: succeeded {Result}", jobId, result);
                        break;
                    case TrainingOutcome.Diverged diverged:
                        await recorder.FinishAsync(JobState.Diverged, diverged.Reason, ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None);
                        logger.LogInformation("Job {JobId}: diverged: {Reason}", jobId, diverged.Reason);
                        break;
                }
                break;
            case OperationCanceledException when keeper.CancelRequested:
                await recorder.FlushAsync();
                await recorder.FinishAsync(JobState.Cancelled, "cancelled on request", ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None);
                logger.LogInformation("Job {JobId}: cancelled at epoch {Epoch}", jobId, session.LastEpoch);
                break;
            case OperationCanceledException when outOfTime && !shutdown.IsCancellationRequested:
                await recorder.FlushAsync();
                await recorder.FinishAsync(JobState.Failed, $"ran past the limit of {limits.Value.MaxJobSeconds:0.#} s from its first start (Dojo:Limits:MaxJobSeconds); " +
                    "its points and its last checkpoint are kept",
                    ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None, keepCheckpoint: true);
                logger.LogInformation("Job {JobId}: stopped at the wall-clock limit after epoch {Epoch}", jobId, session.LastEpoch);
                break;
            case OperationCanceledException when keeper.LeaseLost:
                logger.LogWarning("Job {JobId}: lease lost; another worker owns it now", jobId);
                break;
            case OperationCanceledException cancelled when shutdown.IsCancellationRequested:
                // Worker shutting down: commit the last checkpoint, give the job back, let Hangfire requeue it.
                await recorder.FlushAsync();
                await store.ReleaseAsync(jobId, workerId, CancellationToken.None);
                logger.LogInformation("Job {JobId}: released at shutdown after epoch {Epoch}", jobId, session.LastEpoch);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cancelled);
                break;
            case System.Runtime.InteropServices.ExternalException fault when job.Retries.Count < _options.MaxInternalRetries:
                // Inside LibTorch, not the spec: the same attempt from the checkpoint ends as an uninterrupted run would.
                logger.LogWarning(fault, "Job {JobId}: attempt {Attempt} failed inside LibTorch; retrying from epoch {Epoch}", jobId, job.Attempts, job.CheckpointEpoch);
                try { await recorder.FlushAsync(); } catch (Exception flush) { logger.LogError(flush, "Job {JobId}: flushing progress failed", jobId); }
                var fresh = await store.FindAsync(jobId, CancellationToken.None);
                var retries = job.Retries.Append(new InternalRetry(job.Attempts, clock.GetUtcNow().UtcDateTime, fresh?.CheckpointEpoch ?? 0, FirstLine(fault.Message))).ToList();
                if (await store.RetryAsync(jobId, workerId, SpecJson.Serialize(retries), CancellationToken.None))
                    await queue.EnqueueAsync(jobId, DeviceName.Parse(job.Device), CancellationToken.None);
                break;
            default:
                logger.LogError(error, "Job {JobId}: training failed", jobId);
                try { await recorder.FlushAsync(); } catch (Exception flush) { logger.LogError(flush, "Job {JobId}: flushing progress failed", jobId); }
                string retried = job.Retries.Count > 0 ? $" (after {job.Retries.Count} retries from the checkpoint, each failing inside LibTorch)" : "";
                await recorder.FinishAsync(JobState.Failed, $"{error.GetType().Name}: {FirstLine(error.Message)}{retried}", ResultJson(session.LastMetrics, []), [], session.LastEpoch, session.LastStep, CancellationToken.None);
                break;
        }
    }

    /// <summary>
    /// The finished job a job reads (checked at submit: it succeeded and its networks fit): where a transfer-learning job
    /// starts from, which a resumed one no longer needs (<paramref name="required"/> false), or a GAN's judge, needed
    /// every epoch.
    /// </summary>
    private TransferSource? ReadTransferSource(JobSpec spec, bool required, CancellationToken ct)
    {
        if (spec.TransfersFrom() is not { } from) return null;
        var source = store.FindAsync(from, ct).GetAwaiter().GetResult();
        if (source is null && !required) return null;
        if (source is null) throw new InvalidOperationException($"the job it reads ({from}) is gone");
        return new TransferSource(SpecJson.DeserializeStored<JobSpec>(source.SpecJson),
            name => files.ReadAllBytes(JobFiles.Model(source.Id, name, ModelFormat.TorchSharp))
                ?? throw new InvalidOperationException($"the job it reads ({from}) has no network '{name}'"));
    }

    /// <summary>LibTorch's messages go on with a C++ stack; the first line says what happened.</summary>
    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary>A timer's delay: at least a millisecond (a job already past its limit stops at its first step), at most what a timer takes.</summary>
    private static TimeSpan Clamp(TimeSpan delay) =>
        delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay > TimeSpan.FromDays(24) ? TimeSpan.FromDays(24) : delay;

    private Checkpoint? ReadCheckpoint(Job job)
    {
        if (job.CheckpointEpoch == 0) return null;
        string key = JobFiles.Checkpoint(job.Id, job.CheckpointEpoch);
        return CheckpointFile.Read(files.ReadAllBytes(key) ?? throw new InvalidOperationException($"the job's checkpoint {key} is missing from the artifact store"),
            key, job.CheckpointEpoch);
    }

    private static string ResultJson(IReadOnlyList<Metric> lastEpoch, IReadOnlyList<Metric> final) =>
        JsonSerializer.Serialize(lastEpoch.Concat(final).Where(m => double.IsFinite(m.Value)).ToDictionary(m => m.Name, m => m.Value));

    /// <summary>The job as its trainer sees it, and how far it got (for the final record, however it ends).</summary>
    private sealed class Session(Job job, CancellationToken stopping, ProgressRecorder recorder, JobFiles files) : ITrainingSession
    {
        private JobSpec? _spec;

        public Guid JobId => job.Id;
        public JobSpec Spec => _spec ?? throw new InvalidOperationException("the session has not started");
        public Checkpoint? ResumeFrom { get; private set; }
        public TransferSource? Transfer { get; private set; }
        public CancellationToken Stopping => stopping;
        public int LastEpoch { get; private set; } = job.CheckpointEpoch;
        public long LastStep { get; private set; }
        public IReadOnlyList<Metric> LastMetrics { get; private set; } = [];

        public void Start(JobSpec spec, Checkpoint? resumeFrom, IReadOnlyList<Metric> checkpointedMetrics, TransferSource? transfer)
        {
            (_spec, ResumeFrom, Transfer) = (spec, resumeFrom, transfer);
            (LastStep, LastMetrics) = (resumeFrom?.Step ?? 0, checkpointedMetrics);
        }

        public void Keep(string name, byte[] content) => files.Write(JobFiles.File(job.Id, name), content);

        public void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<TrainingState> checkpointState)
        {
            recorder.Record(epoch, step, metrics, checkpointState);
            (LastEpoch, LastStep, LastMetrics) = (epoch, step, metrics);
        }
    }
}
