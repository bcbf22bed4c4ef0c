using Dojo.Api.People;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker;
using Dojo.Worker.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Jobs;

/// <summary>
/// Turns a request into a stored, queued job: resolves saved specs, validates (ranges, shapes, limits),
/// resolves the device against the live workers, stores the job, then hands it to the queue.
/// </summary>
public sealed class JobSubmission(
    IDbContextFactory<DojoDb> contexts,
    JobStore store,
    JobQueue queue,
    IOptions<SpecLimits> limits,
    IOptions<WorkerOptions> workerOptions,
    TimeProvider clock)
{
    /// <summary>The stored job, or the validation errors, or (<see cref="LimitReached"/>) why the student must wait.</summary>
    public sealed record Result(Job? Job, IReadOnlyDictionary<string, string[]> Errors, string? LimitReached = null)
    {
        public bool Accepted => Errors.Count == 0 && LimitReached is null;
    }

    /// <summary>
    /// Stores and queues a job owned by <paramref name="owner"/>; the runs of a group (a grading, an experiment) pass
    /// <paramref name="inGroup"/>. With <paramref name="checkOnly"/> it stops after the checks (a group is stored whole or not at all).
    /// </summary>
    public async Task<Result> SubmitAsync(SubmitJobRequest request, Viewer owner, CancellationToken ct, bool inGroup = false, bool checkOnly = false)
    {
        var errors = new ValidationErrors();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var dataset = await ResolveAsync(db, request.Dataset, request.DatasetId, SpecKind.Dataset, "dataset", required: true, errors, ct);
        var network = await ResolveAsync(db, request.Network, request.NetworkId, SpecKind.Network, "network", required: true, errors, ct);
        var optimizer = await ResolveAsync(db, request.Optimizer, request.OptimizerId, SpecKind.Optimizer, "optimizer", required: false, errors, ct) ?? new OptimizerSpec();
        if (errors.Count > 0) return new Result(null, errors.ToDictionary());

        if (dataset is { Kind: DatasetSpec.UploadKind })
        {
            // The upload's shape and classes go into the spec, so that checks and workers need not look them up.
            var upload = dataset.UploadId is { } uploadId ? await Datasets.DatasetsApi.Visible(db, owner).SingleOrDefaultAsync(u => u.Id == uploadId, ct) : null;
            if (upload is null)
            {
                errors.Add("dataset.uploadId", dataset.UploadId is null ? "is required for kind upload" : $"no data set upload {dataset.UploadId} that you can use");
                return new Result(null, errors.ToDictionary());
            }
            dataset = dataset with { Upload = upload.Info };
        }
        var spec = new JobSpec { Dataset = dataset!, Network = network!, Optimizer = optimizer, Training = request.Training ?? new TrainingSpec() };
        var problems = SpecValidator.Validate(spec, limits.Value);
        if (problems.Count > 0) return new Result(null, problems);
        if (spec.Network.Transfer is { } transfer)
        {
            var source = await db.Jobs.AsNoTracking().VisibleTo(owner).SingleOrDefaultAsync(j => j.Id == transfer.FromJob, ct);
            if (source is null || source.State != JobState.Succeeded)
            {
                errors.Add("network.transfer.fromJob", source is null ? $"no job {transfer.FromJob}" : $"the job is {SpecJson.Name(source.State)}; transfer needs one that has succeeded");
                return new Result(null, errors.ToDictionary());
            }
            var mismatch = SpecValidator.ValidateTransferSource(spec, SpecJson.Deserialize<JobSpec>(source.SpecJson));
            if (mismatch.Count > 0) return new Result(null, mismatch);
        }
        if (spec.Dataset is { Kind: DatasetSpec.BuiltinKind, Name: { } builtin }
            && BuiltinDatasets.All(Path.Combine(AppContext.BaseDirectory, "datasets")).Single(d => d.Name == builtin) is { Installed: false } missing)
        {
            errors.Add("dataset.name", $"{SpecJson.Name(builtin)} is not installed here ({missing.InstallHint})");
            return new Result(null, errors.ToDictionary());
        }

        var live = await store.LiveDevicesAsync(TimeSpan.FromSeconds(workerOptions.Value.WorkerTimeoutSeconds), ct);
        string? device = ResolveDevice(spec.Training.Device, live);
        if (device is null)
        {
            string available = live.Count == 0 ? "none (no live worker)" : string.Join(", ", live);
            errors.Add("training.device", $"no live worker offers '{spec.Training.Device}'; available: {available}");
            return new Result(null, errors.ToDictionary());
        }
        spec = spec with { Training = spec.Training with { Device = device } };
        if (checkOnly) return new Result(null, new Dictionary<string, string[]>());

        var job = Job.Create(request.Name, owner.UserId, device, SpecJson.Serialize(spec), clock.GetUtcNow().UtcDateTime, inGroup);
        // Count and insert in one transaction: SQLite's transactions here are IMMEDIATE, so two racing
        // submissions of one student cannot both pass the count.
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            if (!owner.IsInstructor && await LimitReachedAsync(db, owner, inGroup, adding: 1, ct) is { } limit)
                return new Result(null, new Dictionary<string, string[]>(), limit);
            db.Jobs.Add(job);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        await queue.EnqueueAsync(job.Id, job.Device, ct);
        return new Result(job, new Dictionary<string, string[]>());
    }

    /// <summary>
    /// Why a student may not add <paramref name="adding"/> more jobs now, or null: their own jobs count against
    /// <c>MaxActiveJobsPerStudent</c>, the runs of their gradings and experiments against <c>MaxActiveGroupJobsPerStudent</c>.
    /// </summary>
    public async Task<string?> LimitReachedAsync(DojoDb db, Viewer owner, bool inGroup, int adding, CancellationToken ct)
    {
        if (owner.IsInstructor) return null;
        int active = await db.Jobs.CountAsync(j => j.OwnerId == owner.UserId && j.InGroup == inGroup
            && (j.State == JobState.Queued || j.State == JobState.Running), ct);
        var (max, key, what) = inGroup
            ? (limits.Value.MaxActiveGroupJobsPerStudent, "MaxActiveGroupJobsPerStudent", "runs of gradings and experiments")
            : (limits.Value.MaxActiveJobsPerStudent, "MaxActiveJobsPerStudent", "jobs");
        return active + adding <= max ? null
            : $"you have {active} {what} queued or running; {adding} more would pass the limit of {max} (Dojo:Limits:{key}). Wait for some to end or cancel some.";
    }

    /// <summary>"auto" prefers the first CUDA device offered; "cuda" any CUDA device; else the exact name.</summary>
    public static string? ResolveDevice(string requested, IReadOnlyList<string> live) => requested switch
    {
        "auto" => live.FirstOrDefault(d => d.StartsWith("cuda", StringComparison.Ordinal)) ?? live.FirstOrDefault(d => d == "cpu"),
        "cuda" => live.FirstOrDefault(d => d.StartsWith("cuda:", StringComparison.Ordinal)),
        _ => live.Contains(requested) ? requested : null,
    };

    private static async Task<T?> ResolveAsync<T>(DojoDb db, T? inline, Guid? id, SpecKind kind, string field, bool required,
        ValidationErrors errors, CancellationToken ct) where T : class
    {
        if (inline is not null && id is not null)
        {
            errors.Add(field, $"give either {field} or {field}Id, not both");
            return null;
        }
        if (inline is not null) return inline;
        if (id is null)
        {
            if (required) errors.Add(field, $"is required (inline, or a saved spec's id as {field}Id)");
            return null;
        }
        var saved = await db.SavedSpecs.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.Kind == kind, ct);
        if (saved is null)
        {
            errors.Add($"{field}Id", $"no saved {field} has id {id}");
            return null;
        }
        return SpecJson.Deserialize<T>(saved.Json);
    }
}
