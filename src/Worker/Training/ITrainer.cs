using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;

namespace Dojo.Worker.Training;

/// <summary>
/// Trains one kind of job. A trainer states its own loop; <see cref="TrainingRun"/> gives it the rest (device,
/// seeded generators, resume, checkpoints of its named networks, divergence, cancellation, weight export).
/// Registered per kind with one line: <c>services.AddJobKind&lt;SupervisedSpec, SupervisedTrainer&gt;("supervised")</c>.
/// </summary>
public interface ITrainer
{
    /// <summary>Runs on the job's own thread; throws <see cref="OperationCanceledException"/> when stopped.</summary>
    TrainingOutcome Train(ITrainingSession session);
}

/// <summary>One metric value of an epoch, before it gets its sequence number; a text point (a generated sample) also has its text.</summary>
public readonly record struct Metric(string Name, double Value, string? Text = null)
{
    public static Metric OfText(string name, string text) => new(name, text.Length, text);
}

/// <summary>What a trainer sees of its job: the spec, where to resume, and where to report.</summary>
public interface ITrainingSession
{
    Guid JobId { get; }
    JobSpec Spec { get; }

    /// <summary>The checkpoint to resume from (null: start at epoch 1).</summary>
    Checkpoint? ResumeFrom { get; }

    /// <summary>Fires when the job must stop: cancelled, lease lost, or the worker shutting down.</summary>
    CancellationToken Stopping { get; }

    /// <summary>Records an epoch's metrics with the state to resume from after it (taken only when a checkpoint is due).</summary>
    void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<TrainingState> checkpointState);

    /// <summary>For a job that starts from a finished one's trained networks (transfer learning): that job.</summary>
    TransferSource? Transfer => null;

    /// <summary>
    /// Keeps a file with the job for people to look at (a GAN's sample grid of an epoch), listed and served by the API.
    /// A resumed job writes the same names again with the same bytes. A session that keeps nothing (a test's) ignores it.
    /// </summary>
    void Keep(string name, byte[] content) { }
}

/// <summary>The finished job a transfer-learning job starts from: its spec, and its trained networks by name (TorchSharp's format).</summary>
public sealed record TransferSource(JobSpec Spec, Func<string, byte[]> Weights);

/// <summary>A state a job resumes from: the last completed epoch, the global step, and what the trainer saved.</summary>
public sealed record Checkpoint(int Epoch, long Step, TrainingState State);

/// <summary>
/// What a trainer saves in a checkpoint: each named network's state (its weights and buffers, then its optimizer's
/// when it has one) and the trainer's own bytes (a replay buffer, an environment, …).
/// </summary>
public sealed record TrainingState(IReadOnlyList<NetworkState> Networks, byte[] Own);

public sealed record NetworkState(string Name, byte[] State);

/// <summary>A trained network, by the name it is kept and downloaded under (<see cref="ModelNames"/>).</summary>
public sealed record TrainedModel(string Name, TrainedWeights Weights);

public abstract record TrainingOutcome
{
    /// <summary>
    /// Training finished: <paramref name="Final"/> holds the closing metrics (test loss, …), <paramref name="Models"/>
    /// the trained networks by name, <paramref name="Evaluation"/> a classifier's confusion matrix and precision/recall.
    /// </summary>
    public sealed record Completed(IReadOnlyList<Metric> Final, IReadOnlyList<TrainedModel> Models, Evaluation? Evaluation = null) : TrainingOutcome
    {
        public TrainedWeights Model(string name = ModelNames.Default) => Models.Single(m => m.Name == name).Weights;
    }

    /// <summary>The loss became NaN or infinite.</summary>
    public sealed record Diverged(string Reason) : TrainingOutcome;
}
