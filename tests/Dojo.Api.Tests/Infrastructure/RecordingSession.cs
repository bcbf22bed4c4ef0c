using Dojo.Domain.Specs;
using Dojo.Worker.Training;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>A trainer's session outside the job machinery: it records every epoch with the checkpoint the job would have taken.</summary>
public sealed class RecordingSession(JobSpec spec, Checkpoint? resumeFrom = null, TransferSource? transfer = null) : ITrainingSession
{
    public Guid JobId { get; } = Guid.NewGuid();
    public JobSpec Spec => spec;
    public Checkpoint? ResumeFrom => resumeFrom;
    public TransferSource? Transfer => transfer;
    public CancellationToken Stopping => CancellationToken.None;
    public List<(int Epoch, IReadOnlyList<Metric> Metrics, Checkpoint Checkpoint)> Epochs { get; } = [];

    public void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<TrainingState> checkpointState) =>
        Epochs.Add((epoch, metrics, new Checkpoint(epoch, step, checkpointState())));
}
