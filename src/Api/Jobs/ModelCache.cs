using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Training;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Jobs;

/// <summary>How many finished jobs' networks predictions keep loaded (section <c>Dojo:Predictions</c>).</summary>
public sealed class PredictionOptions
{
    public const string Section = "Dojo:Predictions";

    public int CachedModels { get; set; } = 8;

    /// <summary>The largest image (width × height) a prediction decodes; checked from the file's header, before decoding.</summary>
    public long MaxImagePixels { get; set; } = 4096L * 4096;
}

/// <summary>
/// Finished jobs' trained networks, each loaded once by its kind's <see cref="ITrainedJobLoader"/> (its spec read, its
/// networks built without drawing weights, their weights read) and kept for the requests that follow; the least recently used one that no
/// request is using leaves when more than <see cref="PredictionOptions.CachedModels"/> are loaded. A trained
/// network never changes, so nothing needs invalidating.
/// </summary>
public sealed class ModelCache(JobFiles files, IOptions<PredictionOptions> options, IServiceProvider services) : IDisposable
{
    private sealed class Entry(Guid jobId, ITrainedJob model)
    {
        public Guid JobId => jobId;
        public ITrainedJob Model => model;
        public int Users { get; set; }
        public long LastUsed { get; set; }
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Entry> _entries = [];
    private long _uses;

    /// <summary>The job's network, held for the caller until the lease is disposed.</summary>
    public Lease Acquire(Job job)
    {
        lock (_gate)
        {
            // Loaded under the lock: two requests racing for one job load it once.
            if (!_entries.TryGetValue(job.Id, out var entry)) _entries[job.Id] = entry = new Entry(job.Id, Load(job));
            entry.Users++;
            entry.LastUsed = ++_uses;
            Evict();
            return new Lease(this, entry);
        }
    }

    private ITrainedJob Load(Job job)
    {
        var spec = SpecJson.DeserializeStored<JobSpec>(job.SpecJson);
        var loader = services.GetKeyedService<ITrainedJobLoader>(spec.Kind)
            ?? throw new PredictionInputException("job", $"{spec.Kind} jobs do not answer requests");
        var evaluation = job.EvaluationJson is null ? null : SpecJson.DeserializeStored<Evaluation>(job.EvaluationJson);
        // Loaders read files: a finished job's artifacts (and its upload) as local files, copied once where the database holds them.
        string folder = files.Store.LocalFolderAsync(JobFiles.Prefix(job.Id), CancellationToken.None).GetAwaiter().GetResult();
        files.EnsureUploadLocalAsync(spec, CancellationToken.None).GetAwaiter().GetResult();
        return loader.Load(spec, evaluation, name => Path.Combine(folder, Path.GetFileName(JobFiles.Model(job.Id, name, ModelFormat.TorchSharp))));
    }

    private void Evict()
    {
        while (_entries.Count > Math.Max(1, options.Value.CachedModels)
               && _entries.Values.Where(e => e.Users == 0).MinBy(e => e.LastUsed) is { } idle)
        {
            _entries.Remove(idle.JobId);
            idle.Model.Dispose();
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            entry.Users--;
            Evict();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values) entry.Model.Dispose();
            _entries.Clear();
        }
    }

    public sealed class Lease(ModelCache cache, object entry) : IDisposable
    {
        private bool _released;

        public ITrainedJob Model => ((Entry)entry).Model;

        public void Dispose()
        {
            if (_released) return;
            _released = true;
            cache.Release((Entry)entry);
        }
    }
}
