using Dojo.Domain.Jobs;
using Dojo.Storage;
using Dojo.Worker.Training;

namespace Dojo.Worker.Jobs;

/// <summary>
/// Numbers a job's metric points, shows them to live watchers at once, and makes them durable together
/// with the checkpoint they belong to.
/// <list type="bullet">
/// <item>Every point is published to <see cref="JobEvents"/> when it is recorded, so watchers in this
/// process see it within milliseconds; replay after that comes from the database.</item>
/// <item>At an epoch's end a checkpoint is taken when the last one is at least
/// <see cref="WorkerOptions.CheckpointMinSeconds"/> old and the writer is idle, so epochs of a few
/// milliseconds (playground nets) do not turn into hundreds of disk writes a second; long epochs are
/// checkpointed every epoch.</item>
/// <item>A background task writes the checkpoint file, then commits the points up to that checkpoint
/// with its marker in one transaction. The database therefore always holds exactly the points before
/// the marker's sequence number, and a resumed job regenerates the rest.</item>
/// </list>
/// </summary>
public sealed class ProgressRecorder : IAsyncDisposable
{
    private readonly Guid _jobId;
    private readonly string _workerId;
    private readonly JobStore _store;
    private readonly JobFiles _files;
    private readonly JobEvents _events;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _checkpointInterval;
    private readonly Action _leaseLost;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;
    private readonly List<MetricPoint> _uncommitted = [];
    private (Checkpoint Checkpoint, long NextSeq)? _pendingCheckpoint;
    private bool _writing;
    private long _lastCheckpointAt;
    private int _savedEpoch;
    private Exception? _failure;

    public ProgressRecorder(Job job, string workerId, JobStore store, JobFiles files, JobEvents events, TimeProvider clock,
        TimeSpan checkpointInterval, Action leaseLost)
    {
        (_jobId, _workerId, _store, _files, _events, _clock, _checkpointInterval, _leaseLost) =
            (job.Id, workerId, store, files, events, clock, checkpointInterval, leaseLost);
        NextSeq = job.NextSeq;
        _savedEpoch = job.CheckpointEpoch;
        _lastCheckpointAt = clock.GetTimestamp();
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>The sequence number the next point gets.</summary>
    public long NextSeq { get; private set; }

    /// <summary>Records an epoch's metrics; takes the trainer's state only when a checkpoint is due.</summary>
    public void Record(int epoch, long step, IReadOnlyList<Metric> metrics, Func<TrainingState> checkpointState)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        List<MetricPoint> points;
        bool signal = false;
        lock (_gate)
        {
            if (_failure is not null) throw new InvalidOperationException("recording progress failed", _failure);
            points = metrics.Select(m => new MetricPoint(_jobId, NextSeq++, epoch, step, m.Name, m.Value, now, m.Text)).ToList();
            _uncommitted.AddRange(points);
            if (!_writing && _pendingCheckpoint is null && _clock.GetElapsedTime(_lastCheckpointAt) >= _checkpointInterval)
            {
                _pendingCheckpoint = (new Checkpoint(epoch, step, checkpointState()), NextSeq);
                _lastCheckpointAt = _clock.GetTimestamp();
                signal = true;
            }
        }
        _events.Publish(new JobUpdate(_jobId, points));
        if (signal) _signal.Release();
    }

    /// <summary>Points recorded but not committed yet, from <paramref name="fromSeq"/> on.</summary>
    public IReadOnlyList<MetricPoint> Uncommitted(long fromSeq)
    {
        lock (_gate) return _uncommitted.Where(p => p.Seq >= fromSeq).ToList();
    }

    /// <summary>Stops the background writer once the last checkpoint taken is committed.</summary>
    public async Task FlushAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        await _writer;
        if (_failure is not null) throw new InvalidOperationException("recording progress failed", _failure);
    }

    /// <summary>
    /// Ends the job (after <see cref="FlushAsync"/>): commits the points not yet committed, the final
    /// points and the final state together. False when this worker no longer held the job.
    /// </summary>
    public async Task<bool> FinishAsync(JobState state, string? reason, string? resultJson, IReadOnlyList<Metric> final, int epoch, long step,
        CancellationToken ct, string? evaluationJson = null, bool keepCheckpoint = false)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var finalPoints = final.Select(m => new MetricPoint(_jobId, NextSeq++, epoch, step, m.Name, m.Value, now, m.Text)).ToList();
        var points = _uncommitted.Concat(finalPoints).ToList();
        bool finished = await _store.FinishAsync(_jobId, _workerId, state, reason, resultJson, points, NextSeq, ct, evaluationJson);
        if (finished)
        {
            _uncommitted.Clear();
            _events.Publish(new JobUpdate(_jobId, finalPoints, state));
            await _files.DeleteCheckpointsAsync(_jobId, keepEpoch: keepCheckpoint ? _savedEpoch : -1, CancellationToken.None);
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
                await WriteCheckpointAsync(); // a checkpoint taken just before the stop
                return;
            }
            await WriteCheckpointAsync();
        }
    }

    private async Task WriteCheckpointAsync()
    {
        Checkpoint checkpoint;
        long nextSeq;
        List<MetricPoint> points;
        lock (_gate)
        {
            if (_pendingCheckpoint is null) return;
            (checkpoint, nextSeq) = _pendingCheckpoint.Value;
            _pendingCheckpoint = null;
            _writing = true;
            int count = _uncommitted.TakeWhile(p => p.Seq < nextSeq).Count();
            points = _uncommitted.GetRange(0, count);
        }
        try
        {
            await _files.WriteAsync(JobFiles.Checkpoint(_jobId, checkpoint.Epoch), CheckpointFile.ToBytes(checkpoint, nextSeq), CancellationToken.None);
            if (!await _store.SaveProgressAsync(_jobId, _workerId, points, checkpoint.Epoch, nextSeq, CancellationToken.None))
            {
                _leaseLost();
                return;
            }
            if (checkpoint.Epoch != _savedEpoch) await _files.DeleteCheckpointsAsync(_jobId, keepEpoch: checkpoint.Epoch, CancellationToken.None);
            _savedEpoch = checkpoint.Epoch;
            lock (_gate) _uncommitted.RemoveRange(0, points.Count);
        }
        catch (Exception ex)
        {
            lock (_gate) _failure ??= ex;
            _leaseLost();
        }
        finally
        {
            lock (_gate) _writing = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) _stop.Cancel();
        await _writer.ConfigureAwait(false); // never throws: failures are kept in _failure
        _stop.Dispose();
        _signal.Dispose();
    }
}
