using Dojo.Domain.Jobs;
using Dojo.Storage;
using Dojo.Worker.Training;

namespace Dojo.Worker.Jobs;

/// <summary>
/// Numbers a job's metric points and makes them durable together with the checkpoint they belong to.
/// The training thread only hands over an epoch's points and state; a background task writes the
/// checkpoint file, then commits points and checkpoint marker in one transaction, then tells live
/// watchers. When training outpaces the disk, epochs queue up and one commit carries them all (with the
/// newest checkpoint), so the training loop never waits on I/O.
/// </summary>
public sealed class ProgressRecorder : IAsyncDisposable
{
    private readonly Guid _jobId;
    private readonly string _workerId;
    private readonly JobStore _store;
    private readonly JobFiles _files;
    private readonly JobEvents _events;
    private readonly TimeProvider _clock;
    private readonly Action _leaseLost;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;
    private List<MetricPoint> _pending = [];
    private Checkpoint? _pendingCheckpoint;
    private long _pendingNextSeq;
    private int _savedEpoch;
    private Exception? _failure;

    public ProgressRecorder(Job job, string workerId, JobStore store, JobFiles files, JobEvents events, TimeProvider clock, Action leaseLost)
    {
        (_jobId, _workerId, _store, _files, _events, _clock, _leaseLost) = (job.Id, workerId, store, files, events, clock, leaseLost);
        NextSeq = _pendingNextSeq = job.NextSeq;
        _savedEpoch = job.CheckpointEpoch;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The sequence number the next point gets.</summary>
    public long NextSeq { get; private set; }

    public void Record(int epoch, long step, IReadOnlyList<Metric> metrics, Checkpoint? checkpoint)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        lock (_gate)
        {
            if (_failure is not null) throw new InvalidOperationException("recording progress failed", _failure);
            foreach (var metric in metrics)
                _pending.Add(new MetricPoint(_jobId, NextSeq++, epoch, step, metric.Name, metric.Value, now));
            _pendingNextSeq = NextSeq;
            if (checkpoint is not null) _pendingCheckpoint = checkpoint;
        }
        _signal.Release();
    }

    /// <summary>Stops the background writer once everything recorded so far is committed.</summary>
    public async Task FlushAsync()
    {
        _stop.Cancel();
        await _writer;
        if (_failure is not null) throw new InvalidOperationException("recording progress failed", _failure);
    }

    /// <summary>Commits the final state with any points not yet written (call after <see cref="FlushAsync"/>).</summary>
    public async Task<bool> FinishAsync(JobState state, string? reason, string? resultJson, IReadOnlyList<Metric> final, int epoch, long step, CancellationToken ct)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var points = final.Select(m => new MetricPoint(_jobId, NextSeq++, epoch, step, m.Name, m.Value, now)).ToList();
        bool finished = await _store.FinishAsync(_jobId, _workerId, state, reason, resultJson, points, NextSeq, ct);
        if (finished)
        {
            _events.Publish(new JobUpdate(_jobId, points, state));
            DeleteCheckpoints(keepEpoch: -1);
        }
        return finished;
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopping: drain what is left, then end.
                await WriteBatchAsync();
                return;
            }
            await WriteBatchAsync();
        }
    }

    private async Task WriteBatchAsync()
    {
        List<MetricPoint> points;
        Checkpoint? checkpoint;
        long nextSeq;
        lock (_gate)
        {
            if (_pending.Count == 0 && _pendingCheckpoint is null) return;
            (points, _pending) = (_pending, []);
            (checkpoint, _pendingCheckpoint) = (_pendingCheckpoint, null);
            nextSeq = _pendingNextSeq;
        }
        try
        {
            int epoch = _savedEpoch;
            if (checkpoint is not null)
            {
                CheckpointFile.Write(_files.Checkpoint(_jobId, checkpoint.Epoch), checkpoint, nextSeq);
                epoch = checkpoint.Epoch;
            }
            if (!await _store.SaveProgressAsync(_jobId, _workerId, points, epoch, nextSeq, CancellationToken.None))
            {
                _leaseLost();
                return;
            }
            if (epoch != _savedEpoch) DeleteCheckpoints(keepEpoch: epoch);
            _savedEpoch = epoch;
            _events.Publish(new JobUpdate(_jobId, points));
        }
        catch (Exception ex)
        {
            lock (_gate) _failure ??= ex;
            _leaseLost();
        }
    }

    private void DeleteCheckpoints(int keepEpoch)
    {
        var directory = _files.Directory(_jobId);
        if (!Directory.Exists(directory)) return;
        foreach (var file in Directory.EnumerateFiles(directory, "checkpoint-*.bin"))
            if (file != _files.Checkpoint(_jobId, keepEpoch)) File.Delete(file);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await FlushAsync().ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }
}
