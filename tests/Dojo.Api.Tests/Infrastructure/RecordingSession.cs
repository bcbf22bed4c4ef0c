using Dojo.Domain.Jobs;
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

/// <summary>The resume check every kind's trainer must pass, outside the job machinery.</summary>
public static class ResumeCheck
{
    /// <summary>
    /// Trains <paramref name="spec"/> whole, then again from its epoch-2 checkpoint: every later epoch's figures, the
    /// final figures and each named network's weights must be the same bits. Returns the uninterrupted run's session.
    /// </summary>
    public static RecordingSession AssertResumesExactly(ITrainer trainer, JobSpec spec, params string[] models)
    {
        var full = new RecordingSession(spec);
        var uninterrupted = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(full));
        var resumedSession = new RecordingSession(spec, full.Epochs[1].Checkpoint);
        var resumed = Assert.IsType<TrainingOutcome.Completed>(trainer.Train(resumedSession));

        Assert.Equal(full.Epochs.Skip(2).Select(e => e.Metrics.Where(m => m.Name != MetricNames.SamplesPerSec)),
                     resumedSession.Epochs.Select(e => e.Metrics.Where(m => m.Name != MetricNames.SamplesPerSec)));
        Assert.Equal(uninterrupted.Final, resumed.Final);
        string[] names = models.Length == 0 ? [ModelNames.Default] : models;
        Assert.Equal(names, uninterrupted.Models.Select(m => m.Name));
        foreach (var name in names) Assert.Equal(uninterrupted.Model(name).TorchSharp, resumed.Model(name).TorchSharp);
        return full;
    }
}
