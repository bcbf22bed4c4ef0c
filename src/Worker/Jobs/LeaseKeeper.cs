using Dojo.Storage;
using Microsoft.Extensions.Logging;

namespace Dojo.Worker.Jobs;

/// <summary>
/// Runs beside a training job: renews its lease, and polls for a cancel request, so that a cancel
/// stops training within <see cref="WorkerOptions.CancelPollMilliseconds"/> and a lost lease stops it too.
/// </summary>
public sealed class LeaseKeeper : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _jobStop;
    private readonly Task _loop;

    public LeaseKeeper(Guid jobId, string workerId, JobStore store, WorkerOptions options, TimeProvider clock, ILogger logger, CancellationTokenSource jobStop)
    {
        _jobStop = jobStop;
        _loop = Task.Run(async () =>
        {
            var renewEvery = options.Lease / 3;
            var lastRenewal = clock.GetTimestamp();
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.CancelPollMilliseconds), clock);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    bool? cancel;
                    if (clock.GetElapsedTime(lastRenewal) >= renewEvery)
                    {
                        cancel = await store.RenewLeaseAsync(jobId, workerId, options.Lease, _stop.Token);
                        lastRenewal = clock.GetTimestamp();
                    }
                    else cancel = await store.IsCancelRequestedAsync(jobId, _stop.Token);

                    if (cancel is null) { LeaseLost = true; _jobStop.Cancel(); return; }
                    if (cancel.Value) { CancelRequested = true; _jobStop.Cancel(); return; }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
            catch (Exception ex)
            {
                logger.LogError(ex, "Keeping the lease of job {JobId} failed; stopping it", jobId);
                LeaseLost = true;
                _jobStop.Cancel();
            }
        });
    }

    public bool CancelRequested { get; private set; }
    public bool LeaseLost { get; set; }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
