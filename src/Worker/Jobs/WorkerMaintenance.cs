using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dojo.Worker.Jobs;

/// <summary>
/// Announces this worker (devices, slots) with a heartbeat and, at start and then every heartbeat,
/// re-queues jobs whose lease expired (Hangfire's SQLite storage redelivers a dead server's job only
/// after its invisibility timeout) and hands over jobs that were stored but never enqueued.
/// </summary>
public sealed class WorkerMaintenance(
    JobStore store,
    JobQueue queue,
    DeviceResolver devices,
    IOptions<WorkerOptions> options,
    TimeProvider clock,
    ILogger<WorkerMaintenance> logger) : BackgroundService
{
    private readonly WorkerOptions _options = options.Value;

    public IReadOnlyList<string> OfferedDevices => _options.Devices is { Length: > 0 } configured ? configured : devices.Available;

    private DateTime _startedAt;

    /// <summary>The first heartbeat is recorded before the host goes on (and the API starts answering), so a job submitted right after start finds this worker.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = clock.GetUtcNow().UtcDateTime;
        logger.LogInformation("Worker {Worker} offers {Devices} with {Slots} slot(s)", _options.ResolvedName, string.Join(", ", OfferedDevices), _options.Slots);
        await MaintainAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.HeartbeatSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            await MaintainAsync(stoppingToken);
    }

    private async Task MaintainAsync(CancellationToken stoppingToken)
    {
        try
        {
            await store.HeartbeatAsync(_options.ResolvedName, OfferedDevices, _options.Slots, _startedAt, stoppingToken);
            foreach (var job in await store.RequeueExpiredAsync(stoppingToken))
            {
                await queue.EnqueueAsync(job.Id, DeviceName.Parse(job.Device), stoppingToken);
                logger.LogWarning("Job {JobId}: lease of {Worker} expired; re-queued to resume from epoch {Epoch}", job.Id, job.LeaseOwner, job.CheckpointEpoch);
            }
            foreach (var job in await store.UndeliveredAsync(TimeSpan.FromSeconds(_options.UndeliveredGraceSeconds), stoppingToken))
            {
                await queue.EnqueueAsync(job.Id, DeviceName.Parse(job.Device), stoppingToken);
                logger.LogWarning("Job {JobId}: stored but never handed to the queue; handed over now", job.Id);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Worker heartbeat failed");
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Best effort: a worker that is gone without a word stops counting once its heartbeat is old.
            await store.RemoveWorkerAsync(_options.ResolvedName, cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
            logger.LogDebug(ex, "Worker {Worker} left without removing its registration", _options.ResolvedName);
        }
    }
}
