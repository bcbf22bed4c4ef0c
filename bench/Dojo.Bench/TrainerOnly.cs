using System.Diagnostics;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;

namespace Dojo.Bench;

/// <summary>Dojo's supervised trainer run directly, with a session that keeps nothing: separates the trainer's cost from the job machinery's.</summary>
public static class TrainerOnly
{
    private sealed class Session(JobSpec spec) : ITrainingSession
    {
        public Guid JobId { get; } = Guid.NewGuid();
        public JobSpec Spec => spec;
        public Checkpoint? ResumeFrom => null;
        public CancellationToken Stopping => CancellationToken.None;
        public void EpochCompleted(int epoch, long step, IReadOnlyList<Metric> metrics, Func<TrainingState> checkpointState) { }
    }

    public static TimeSpan Train(JobSpec spec)
    {
        var clock = Stopwatch.StartNew();
        new SupervisedTrainer(new DeviceResolver()).Train(new Session(spec));
        return clock.Elapsed;
    }
}
