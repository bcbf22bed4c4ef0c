using Dojo.Domain.Specs;
using Hangfire;
using Hangfire.States;

namespace Dojo.Worker.Jobs;

/// <summary>Hands a job to Hangfire on the queue of its device ("cpu", "cuda"); Hangfire only delivers, at least once.</summary>
public sealed class JobQueue(IBackgroundJobClient hangfire)
{
    public string Enqueue(Guid jobId, string device)
    {
        string queue = DeviceName.TryParse(device)?.Queue ?? "cpu";
        return hangfire.Create<TrainingJob>(job => job.Run(jobId, CancellationToken.None), new EnqueuedState(queue));
    }
}
