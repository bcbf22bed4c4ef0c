using Dojo.Domain.Specs;

namespace Dojo.Worker.Training;

/// <summary>One metric value of an epoch, before it gets its sequence number.</summary>
public readonly record struct Metric(string Name, double Value);

/// <summary>What a trainer sees of its job: the spec, where to resume, and where to report.</summary>
public interface ITrainingSession
{
    Guid JobId { get; }
    JobSpec Spec { get; }

    /// <summary>The checkpoint to resume from (null: start at epoch 1).</summary>
    Checkpoint? ResumeFrom { get; }

    /// <summary>Fires when the job must stop: cancelled, lease lost, or the worker shutting down.</summary>
    CancellationToken Stopping { get; }

    /// <summary>Records an epoch's metrics with the state to resume from after it.</summary>
    void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<byte[]> checkpointState);

    /// <summary>For a transfer-learning job starting fresh: the finished job it starts from (its spec and trained weights).</summary>
    TransferSource? Transfer => null;
}

/// <summary>The finished job a transfer-learning job takes its first layers from.</summary>
public sealed record TransferSource(JobSpec Spec, byte[] Weights);

/// <summary>The state a job resumes from: the last completed epoch, the global step, and the trainer's serialized state.</summary>
public sealed record Checkpoint(int Epoch, long Step, byte[] State);

public abstract record TrainingOutcome
{
    /// <summary>
    /// Training finished; <paramref name="Final"/> holds test metrics, <paramref name="Weights"/> the trained model,
    /// <paramref name="Evaluation"/> a classifier's confusion matrix and per-class precision and recall.
    /// </summary>
    public sealed record Completed(IReadOnlyList<Metric> Final, TrainedWeights Weights, Domain.Jobs.Evaluation? Evaluation = null) : TrainingOutcome;

    /// <summary>The loss became NaN or infinite.</summary>
    public sealed record Diverged(string Reason) : TrainingOutcome;
}

/// <summary>Trains one kind of job (supervised now; sequence, GAN and DQN trainers plug in beside it).</summary>
public interface ITrainer
{
    /// <summary>Runs on the job's own thread; throws <see cref="OperationCanceledException"/> when stopped.</summary>
    TrainingOutcome Train(ITrainingSession session);
}
