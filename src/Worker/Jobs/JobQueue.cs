using Dojo.Domain.Specs;
using Dojo.Storage;
using Hangfire;
using Hangfire.States;

namespace Dojo.Worker.Jobs;

/// <summary>
/// Hands a job to Hangfire on the queue of its device ("cpu", "cuda") and notes the delivery on the job.
/// Hangfire only delivers, at least once; a job stored but never handed over (the process stopped in
/// between) has no delivery noted, and the worker's maintenance hands it over later.
/// </summary>
public sealed class JobQueue(IBackgroundJobClient hangfire, JobStore store)
{
    public async Task EnqueueAsync(Guid jobId, DeviceName device, CancellationToken ct)
    {
        string deliveryId = hangfire.Create<TrainingJob>(job => job.Run(jobId, CancellationToken.None), new EnqueuedState(device.Queue));
        await store.MarkDeliveredAsync(jobId, deliveryId, ct);
    }
}
