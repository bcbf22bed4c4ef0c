using System.Text.Json;
using Dojo.Api.Jobs;
using Dojo.Api.People;
using Dojo.Domain.Exercises;
using Dojo.Domain.Jobs;
using Dojo.Domain.Playground;
using Dojo.Domain.Kinds.Playground;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Playground;

/// <summary>
/// Section <c>Dojo:Grading</c>: when set, the training budget used instead of the exercise's own rule
/// (a quick CI run trains fewer seeds), and how often submissions under grading are checked.
/// </summary>
public sealed class GradingOptions
{
    public int? Epochs { get; set; }
    public int? Seeds { get; set; }
    public int PollMilliseconds { get; set; } = 500;

    public PlaygroundGradingRule Apply(PlaygroundGradingRule rule) => rule with { Epochs = Epochs ?? rule.Epochs, Seeds = Seeds ?? rule.Seeds };
}

/// <summary>
/// One run of a grading: its job, the seed text its data and weights came from (paste it into the page's URL as
/// <c>seed=</c> to see the same run there), its test figures once it has ended, its learning curves and its decision boundary.
/// </summary>
public sealed record GradingJobDto(Guid JobId, int Seed, string? SeedText, JobState State, double? TestAccuracy, double? TestLoss)
{
    public string LossPlot => $"/api/jobs/{JobId}/plots/loss.png";
    public string AccuracyPlot => $"/api/jobs/{JobId}/plots/accuracy.png";
    public string Boundary => $"/api/jobs/{JobId}/files/boundary.png";
}

public sealed record DatasetGradingDto(PlaygroundGenerator Dataset, string Url, bool? Passed, double? MeanTestAccuracy,
    double? MeanTestLoss, string? Reason, IReadOnlyList<GradingJobDto> Jobs);

/// <summary>A grading: <c>running</c> until every job has ended, then <c>graded</c> with the verdict per data set.</summary>
public sealed record GradingDto(Guid Id, string State, bool? Passed, int Epochs, IReadOnlyList<DatasetGradingDto> Datasets);

/// <summary>
/// Grades exercise 1: trains each required data set's URL for the budget with several seeds, each run exactly as
/// the page runs it (<see cref="PlaygroundJobSpec"/>), and reads the verdict from the finished jobs. The first seed is
/// the URL's own; the others are seed texts as the page's "regenerate" makes them (<see cref="GradingSeeds"/>), so
/// every run is one the student can open on the page, and a setting passes on its merit, not on one lucky start.
/// </summary>
public sealed class PlaygroundGrader(
    IDbContextFactory<DojoDb> contexts,
    JobSubmission submission,
    IOptions<GradingOptions> options,
    IOptions<SpecLimits> limits,
    TimeProvider clock)
{
    /// <summary>The grading with its runs queued; or the problems with the URLs; or (<see cref="LimitReached"/>) why the student must wait.</summary>
    public sealed record Started(Grading? Grading, IReadOnlyDictionary<string, string[]> Errors, string? LimitReached = null);

    /// <summary>Checks every URL first (nothing is queued if one is wrong), then queues the runs as jobs owned by <paramref name="owner"/>.</summary>
    public async Task<Started> StartAsync(PlaygroundGradingRule exerciseRule, IReadOnlyDictionary<string, string> urls, Viewer owner, CancellationToken ct)
    {
        var rule = options.Value.Apply(exerciseRule);
        var errors = new ValidationErrors();
        var plans = new List<(PlaygroundGenerator Dataset, string Url, int Seed, PlaygroundJobSpec Spec)>();
        foreach (var requirement in rule.Requirements)
        {
            string key = $"urls.{SpecJson.Name(requirement.Dataset)}";
            if (!urls.TryGetValue(SpecJson.Name(requirement.Dataset), out var url) || string.IsNullOrWhiteSpace(url))
            {
                errors.Add(key, "a playground URL for this data set is required");
                continue;
            }
            var spec = new PlaygroundJobSpec { Url = url, Training = new PageTraining { Epochs = rule.Epochs } };
            var problems = spec.Validate(limits.Value);
            if (problems.Count > 0)
            {
                foreach (var (path, messages) in problems)
                    foreach (var message in messages) errors.Add(path == "url" ? key : $"{key} ({path})", message);
                continue;
            }
            if (spec.State().Generator() is var generator && generator != requirement.Dataset)
            {
                errors.Add(key, $"the URL's data set is {SpecJson.Name(generator)}, not {SpecJson.Name(requirement.Dataset)}");
                continue;
            }
            for (int seed = 1; seed <= rule.Seeds; seed++) plans.Add((requirement.Dataset, url, seed, spec with { Seed = GradingSeeds.Text(spec.SeedText(), seed) }));
        }
        if (errors.Count > 0) return new Started(null, errors.ToDictionary());
        // Queued longest first: the workers' slots then end together instead of one finishing a long run alone at the end.
        plans = [.. plans.OrderByDescending(plan => plan.Spec.Cost().Flops)];

        // The runs and the grading are stored together, or not at all.
        var grading = Grading.Start(rule, owner.UserId, clock.GetUtcNow().UtcDateTime);
        var jobs = new List<Job>();
        foreach (var (dataset, url, seed, spec) in plans)
        {
            var prepared = await submission.PrepareAsync(SubmitJobRequest.For($"exercise 1: {SpecJson.Name(dataset)}, seed {seed}", spec), owner, inGroup: true, ct);
            if (prepared.Job is not { } job) return new Started(null, prepared.Errors);
            grading.AddRun(dataset, url, seed, job.Id);
            jobs.Add(job);
        }
        if (await submission.StoreAsync(jobs, owner, inGroup: true, alongside: db => db.Gradings.Add(grading), ct) is { } limit)
            return new Started(null, new Dictionary<string, string[]>(), limit);
        return new Started(grading, new Dictionary<string, string[]>());
    }

    /// <summary>The grading as it stands; null when there is none, or <paramref name="viewer"/> (when given) may not see it.</summary>
    public async Task<GradingDto?> ReadAsync(Guid id, CancellationToken ct, Viewer? viewer = null)
    {
        var read = await ReadManyAsync([id], ct);
        return read.TryGetValue(id, out var found) && viewer?.CanSee(found.OwnerId) != false ? found.Grading : null;
    }

    /// <summary>Several gradings with two queries in all (a list of submissions reads them together), by id with their owners.</summary>
    public async Task<Dictionary<Guid, (GradingDto Grading, Guid OwnerId)>> ReadManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var gradings = await db.Gradings.AsNoTracking().Where(g => ids.Contains(g.Id)).ToListAsync(ct);
        var jobIds = gradings.SelectMany(g => g.Runs).Select(r => r.JobId).ToList();
        var jobs = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        return gradings.ToDictionary(g => g.Id, g => (Read(g, jobs), g.OwnerId));
    }

    private static GradingDto Read(Grading grading, IReadOnlyDictionary<Guid, Job> jobs)
    {
        var rule = grading.Rule;

        var datasets = new List<DatasetGradingDto>();
        foreach (var requirement in rule.Requirements)
        {
            var runs = grading.Runs.Where(r => r.Dataset == requirement.Dataset).OrderBy(r => r.Seed).ToList();
            var results = runs.Select(r => (Run: r, Job: jobs[r.JobId], Metrics: Metrics(jobs[r.JobId]))).ToList();
            var jobDtos = results.Select(x => new GradingJobDto(x.Run.JobId, x.Run.Seed, SeedText(x.Job), x.Job.State,
                Value(x.Metrics, MetricNames.TestAccuracy), Value(x.Metrics, MetricNames.TestLoss))).ToList();
            if (results.Any(x => !x.Job.State.IsTerminal()))
            {
                datasets.Add(new DatasetGradingDto(requirement.Dataset, runs[0].Url, null, null, null, null, jobDtos));
                continue;
            }
            var grade = rule.Grade(requirement, results.Select(x => new RunResult(x.Run.JobId, x.Run.Seed,
                Value(x.Metrics, MetricNames.TestAccuracy), Value(x.Metrics, MetricNames.TestLoss),
                x.Job.State == JobState.Succeeded ? null : $"{SpecJson.Name(x.Job.State)}: {x.Job.Reason}")).ToList());
            datasets.Add(new DatasetGradingDto(requirement.Dataset, runs[0].Url, grade.Passed, grade.MeanTestAccuracy, grade.MeanTestLoss, grade.Reason, jobDtos));
        }
        bool graded = datasets.All(d => d.Passed is not null);
        return new GradingDto(grading.Id, graded ? "graded" : "running", graded ? datasets.All(d => d.Passed == true) : null, rule.Epochs, datasets);
    }

    /// <summary>The seed text a run drew from (older gradings' TorchSharp runs had none).</summary>
    private static string? SeedText(Job job) => SpecJson.DeserializeStored<JobSpec>(job.SpecJson) is PlaygroundJobSpec spec ? spec.SeedText() : null;

    /// <summary>A run's figure, or null while it has none (a run still training has no test accuracy, not 0).</summary>
    private static double? Value(Dictionary<string, double> metrics, string name) => metrics.TryGetValue(name, out var value) ? value : null;

    private static Dictionary<string, double> Metrics(Job job) =>
        job.ResultJson is null ? [] : JsonSerializer.Deserialize<Dictionary<string, double>>(job.ResultJson) ?? [];
}
