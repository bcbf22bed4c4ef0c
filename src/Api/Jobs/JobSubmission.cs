using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.People;
using Dojo.Api.Specs;
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
/// Turns a request into a stored, queued job, for any kind: resolves saved parts given by id, reads the spec of
/// its kind, fills in what the data set's upload says, validates (ranges, shapes, limits), checks a transfer source
/// and that the data set is installed, resolves the device against the live workers, stores the job, then hands it
/// to the queue. Nothing here knows a kind's fields beyond what <see cref="JobSpec"/> declares.
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

        public static Result Refused(ValidationErrors errors) => new(null, errors.ToDictionary());
    }

    /// <summary>The parts of a spec that may be given by a saved spec's id, by their type.</summary>
    private static readonly Dictionary<Type, SpecKind> Saveable = new()
    {
        [typeof(NetworkSpec)] = SpecKind.Network,
        [typeof(OptimizerSpec)] = SpecKind.Optimizer,
        [typeof(DatasetSpec)] = SpecKind.Dataset,
    };

    /// <summary>A single job: checked, stored and queued (<see cref="Result.LimitReached"/>: the student must wait).</summary>
    public async Task<Result> SubmitAsync(SubmitJobRequest request, Viewer owner, CancellationToken ct)
    {
        var prepared = await PrepareAsync(request, owner, inGroup: false, ct);
        if (prepared.Job is not { } job) return prepared;
        if (await StoreAsync([job], owner, inGroup: false, alongside: null, ct) is { } limit) return new Result(null, new Dictionary<string, string[]>(), limit);
        return prepared;
    }

    /// <summary>
    /// Stores jobs — one, or every run of a group — together with what belongs with them (<paramref name="alongside"/>:
    /// the experiment or grading row), in one transaction that checks the owner's limit inside it, then hands them to
    /// the queue. Racing requests of one student are serialized (SQLite: an IMMEDIATE transaction; PostgreSQL: a lock on
    /// the owner, <see cref="DbLocks"/>), so the limit holds and a group
    /// is stored whole or not at all. Returns why the student must wait, or null.
    /// </summary>
    public async Task<string?> StoreAsync(IReadOnlyList<Job> jobs, Viewer owner, bool inGroup, Action<DojoDb>? alongside, CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.Database.LockAsync($"jobs-of:{owner.UserId}", ct); // PostgreSQL: this owner's submits take turns
            if (await LimitReachedAsync(db, owner, inGroup, adding: jobs.Count, ct) is { } limit) return limit;
            if (await BudgetReachedAsync(db, owner, jobs, ct) is { } budget) return budget;
            db.Jobs.AddRange(jobs);
            alongside?.Invoke(db);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        // After the commit: a job stored but not handed over (the process stopped here) is handed over by a worker later.
        foreach (var job in jobs) await queue.EnqueueAsync(job.Id, DeviceName.Parse(job.Device), ct);
        return null;
    }

    /// <summary>
    /// Checks a request and makes its job, owned by <paramref name="owner"/> (a group's runs: <paramref name="inGroup"/>),
    /// without storing it: the job, or the problems keyed by field.
    /// </summary>
    public async Task<Result> PrepareAsync(SubmitJobRequest request, Viewer owner, bool inGroup, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        await using var db = await contexts.CreateDbContextAsync(ct);
        var json = await ResolveSavedPartsAsync(db, request.Spec, owner, errors, ct);
        JobSpec spec;
        try
        {
            spec = SpecJson.Deserialize<JobSpec>(json);
        }
        catch (JsonException ex) when (errors.Count == 0 || !SpecJson.IsMissingRequired(ex))
        {
            // A value of the wrong type, a misspelt member: that alone is the answer, as when the framework reads a body.
            var unreadable = new ValidationErrors();
            var (field, message) = Extensions.RequestWords.Json(ex);
            unreadable.Add(field, message);
            return Result.Refused(unreadable);
        }
        catch (JsonException)
        {
            return Result.Refused(errors); // parts missing or unknown ids: named as such
        }
        if (errors.Count > 0) return Result.Refused(errors);

        if (spec.TrainsOn() is IUploadedDataset { UploadId: { } uploadId } dataset)
        {
            // The upload's shape and classes (a series: its length) go into the spec, so that checks and workers need not look them up.
            var upload = await Datasets.DatasetsApi.Visible(db, owner).SingleOrDefaultAsync(u => u.Id == uploadId, ct);
            string? refused = upload is null ? $"no data set upload {uploadId} that you can use" : dataset.Refuses(upload.Info) is { } why ? $"upload {uploadId} {why}" : null;
            if (refused is not null)
            {
                errors.Add("dataset.uploadId", refused);
                return Result.Refused(errors);
            }
            spec = spec.WithDataset(dataset.WithUpload(upload!.Info));
        }
        var problems = spec.Validate(limits.Value);
        if (problems.Count > 0) return new Result(null, problems);
        var cost = spec.Cost();
        if (cost.Flops > limits.Value.MaxJobFlops)
        {
            errors.Add(cost.Field, $"the job would take about {JobCost.Format(cost.Flops)} floating-point operations ({cost.Explanation}); " +
                $"the limit is {JobCost.Format(limits.Value.MaxJobFlops)} (Dojo:Limits:MaxJobFlops)");
            return Result.Refused(errors);
        }
        if (spec.TransfersFrom() is { } from)
        {
            var source = await db.Jobs.AsNoTracking().VisibleTo(owner).SingleOrDefaultAsync(j => j.Id == from, ct);
            if (source is null || source.State != JobState.Succeeded)
            {
                errors.Add(spec.TransfersFromField(), source is null ? $"no job {from}" : $"the job is {SpecJson.Name(source.State)}; it must have succeeded");
                return Result.Refused(errors);
            }
            var mismatch = spec.CheckTransferSource(SpecJson.DeserializeStored<JobSpec>(source.SpecJson));
            if (mismatch.Count > 0) return new Result(null, mismatch);
        }
        if (spec.TrainsOn() is BuiltinDatasetSpec { Name: { } builtin }
            && BuiltinDatasets.All(Path.Combine(AppContext.BaseDirectory, "datasets")).Single(d => d.Name == builtin) is { Installed: false } missing)
        {
            errors.Add("dataset.name", $"{SpecJson.Name(builtin)} is not installed here ({missing.InstallHint})");
            return Result.Refused(errors);
        }

        var live = await store.LiveDevicesAsync(TimeSpan.FromSeconds(workerOptions.Value.WorkerTimeoutSeconds), ct);
        if (ResolveDevice(spec.Device(), live) is not { } device)
        {
            string available = live.Count == 0 ? "none (no live worker)" : string.Join(", ", live);
            errors.Add(JobSpec.DeviceField, $"no live worker offers '{spec.Device()}'; available: {available}");
            return Result.Refused(errors);
        }
        spec = spec.WithDevice(device);
        var job = Job.Create(request.Name, owner.UserId, device.ToString(), SpecJson.Serialize(spec), clock.GetUtcNow().UtcDateTime, inGroup);
        return new Result(job, new Dictionary<string, string[]>());
    }

    /// <summary>
    /// Why a student may not add <paramref name="adding"/> more jobs now, or null: their own jobs count against
    /// <c>MaxActiveJobsPerStudent</c>, the runs of their gradings and experiments against <c>MaxActiveGroupJobsPerStudent</c>.
    /// </summary>
    private async Task<string?> LimitReachedAsync(DojoDb db, Viewer owner, bool inGroup, int adding, CancellationToken ct)
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

    /// <summary>A student's compute in the last 24 hours: the estimated cost of their jobs that started or wait to, and their budget.</summary>
    public sealed record ComputeUse(double UsedFlops, double DailyFlops, double MaxJobFlops, double MaxJobSeconds);

    public async Task<ComputeUse> ComputeUseAsync(DojoDb db, Viewer owner, CancellationToken ct) =>
        new(await UsedFlopsAsync(db, owner.UserId, ct), limits.Value.DailyFlopsPerStudent, limits.Value.MaxJobFlops, limits.Value.MaxJobSeconds);

    /// <summary>How long a job counts against its student's daily compute budget (and so cannot be deleted by them).</summary>
    public static readonly TimeSpan BudgetWindow = TimeSpan.FromHours(24);

    /// <summary>Every job a student submitted in the last 24 hours counts its estimate, unless it ended without ever starting.</summary>
    private async Task<double> UsedFlopsAsync(DojoDb db, Guid ownerId, CancellationToken ct)
    {
        var since = clock.GetUtcNow().UtcDateTime - BudgetWindow;
        var specs = await db.Jobs.Where(j => j.OwnerId == ownerId && j.CreatedAt >= since && (j.Attempts > 0 || j.State == JobState.Queued))
            .Select(j => j.SpecJson).ToListAsync(ct);
        return specs.Sum(json => SpecJson.DeserializeStored<JobSpec>(json).Cost().Flops);
    }

    /// <summary>Why a student may not spend <paramref name="jobs"/>' estimated compute now, or null (instructors have no budget).</summary>
    private async Task<string?> BudgetReachedAsync(DojoDb db, Viewer owner, IReadOnlyList<Job> jobs, CancellationToken ct)
    {
        if (owner.IsInstructor) return null;
        double used = await UsedFlopsAsync(db, owner.UserId, ct);
        double adding = jobs.Sum(j => SpecJson.DeserializeStored<JobSpec>(j.SpecJson).Cost().Flops), budget = limits.Value.DailyFlopsPerStudent;
        return used + adding <= budget ? null
            : $"your jobs of the last 24 hours are estimated at {JobCost.Format(used)} floating-point operations; {JobCost.Format(adding)} more would pass " +
              $"your daily budget of {JobCost.Format(budget)} (Dojo:Limits:DailyFlopsPerStudent). GET /api/me/compute shows where you stand.";
    }

    /// <summary>"auto" prefers the first CUDA device offered; "cuda" any CUDA device; else the exact name.</summary>
    public static DeviceName? ResolveDevice(DeviceName requested, IReadOnlyList<string> live)
    {
        string? name = requested.ToString() switch
        {
            "auto" => live.FirstOrDefault(d => d.StartsWith("cuda", StringComparison.Ordinal)) ?? live.FirstOrDefault(d => d == "cpu"),
            "cuda" => live.FirstOrDefault(d => d.StartsWith("cuda:", StringComparison.Ordinal)),
            var exact => live.Contains(exact) ? exact : null,
        };
        return DeviceName.TryParse(name);
    }

    /// <summary>
    /// The spec's JSON with every part given by id (<c>networkId</c>) replaced by the saved part; an unknown id, two
    /// ways of giving one part, or a required part missing go into <paramref name="errors"/>. Which parts may be saved
    /// ones comes from the kind's record: a property of type network, optimizer or data set.
    /// </summary>
    private static async Task<JsonObject> ResolveSavedPartsAsync(DojoDb db, JsonObject request, Viewer owner, ValidationErrors errors, CancellationToken ct)
    {
        var json = request.DeepClone().AsObject();
        string kind = json["kind"] is JsonValue value && value.TryGetValue(out string? text) ? text : JobKinds.Supervised;
        if (JobKinds.SpecType(kind) is not { } type) return json; // reading the spec names the kind as the problem
        foreach (var property in SpecJson.Options.GetTypeInfo(type).Properties)
        {
            string field = property.Name, idField = field + "Id";
            bool isSaveable = Saveable.TryGetValue(property.PropertyType, out var saveable);
            if (json[idField] is not { } idNode || !isSaveable) // an id for another part is left to the spec's reading: not a member
            {
                if (property.IsRequired && json[field] is null)
                    errors.Add(field, isSaveable ? $"is required (inline, or a saved spec's id as {idField})" : "is required");
                continue;
            }
            json.Remove(idField);
            if (json[field] is not null)
            {
                errors.Add(field, $"give either {field} or {idField}, not both");
                continue;
            }
            if (idNode is not JsonValue idValue || !idValue.TryGetValue(out string? idText) || !Guid.TryParse(idText, out var id))
            {
                errors.Add(idField, "must be the id (a UUID) of a saved spec");
                continue;
            }
            var saved = await db.SavedSpecs.AsNoTracking().VisibleTo(owner).SingleOrDefaultAsync(s => s.Id == id && s.Kind == saveable, ct);
            if (saved is null)
            {
                errors.Add(idField, $"no saved {SpecJson.Name(saveable)} that you can use has id {id}");
                continue;
            }
            // Read as stored (whichever build saved it), written back in today's shape.
            json[field] = JsonSerializer.SerializeToNode(JsonSerializer.Deserialize(saved.Json, property.PropertyType, SpecJson.Stored), property.PropertyType, SpecJson.Options);
        }
        return json;
    }
}
