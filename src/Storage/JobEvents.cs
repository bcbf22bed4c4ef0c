using System.Collections.Concurrent;
using System.Threading.Channels;
using Dojo.Domain.Jobs;

namespace Dojo.Storage;

/// <summary>What was just committed for a job: new points in sequence order and, at the end, its final state.</summary>
public sealed record JobUpdate(Guid JobId, IReadOnlyList<MetricPoint> Points, JobState? FinalState = null);

/// <summary>
/// In-process fan-out of committed job updates to live watchers. Publishers: the in-process worker
/// (right after each commit) and, for jobs trained by another process, the API's database poller.
/// The database stays the source of truth: a watcher that sees a gap reads the missing points from it.
/// </summary>
public sealed class JobEvents
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Channel<JobUpdate>, byte>> _watchers = new();
    private readonly ConcurrentDictionary<Guid, Func<long, IReadOnlyList<MetricPoint>>> _trainedHere = new();

    public Subscription Subscribe(Guid jobId)
    {
        var channel = Channel.CreateUnbounded<JobUpdate>(new UnboundedChannelOptions { SingleReader = true });
        _watchers.GetOrAdd(jobId, _ => new()).TryAdd(channel, 0);
        return new Subscription(this, jobId, channel);
    }

    public void Publish(JobUpdate update)
    {
        if (!_watchers.TryGetValue(update.JobId, out var channels)) return;
        foreach (var channel in channels.Keys) channel.Writer.TryWrite(update);
    }

    /// <summary>Jobs with at least one watcher that no worker in this process is training (the poller's work list).</summary>
    public IReadOnlyList<Guid> WatchedElsewhere() =>
        _watchers.Where(w => !w.Value.IsEmpty && !_trainedHere.ContainsKey(w.Key)).Select(w => w.Key).ToList();

    /// <summary>
    /// Marks a job as trained in this process; <paramref name="recentPoints"/> returns its points from a
    /// sequence number on that are published but not yet committed, for watchers that join mid-way.
    /// </summary>
    public IDisposable TrainingHere(Guid jobId, Func<long, IReadOnlyList<MetricPoint>> recentPoints)
    {
        _trainedHere[jobId] = recentPoints;
        return new Release(() => _trainedHere.TryRemove(jobId, out _));
    }

    /// <summary>Published points of a job trained here that the database does not hold yet (empty otherwise).</summary>
    public IReadOnlyList<MetricPoint> Uncommitted(Guid jobId, long fromSeq) =>
        _trainedHere.TryGetValue(jobId, out var source) ? source(fromSeq) : [];

    public sealed class Subscription(JobEvents owner, Guid jobId, Channel<JobUpdate> channel) : IDisposable
    {
        public ChannelReader<JobUpdate> Reader => channel.Reader;

        public void Dispose()
        {
            if (owner._watchers.TryGetValue(jobId, out var channels))
            {
                channels.TryRemove(channel, out _);
                if (channels.IsEmpty) owner._watchers.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Channel<JobUpdate>, byte>>(jobId, channels));
            }
        }
    }

    private sealed class Release(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
