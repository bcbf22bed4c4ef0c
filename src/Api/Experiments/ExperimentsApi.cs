using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Jobs;
using Dojo.Api.People;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Experiments;

/// <summary>An experiment: a base job request and the values to vary, e.g. <c>{ "optimizer.kind": ["sgd", "adam"] }</c>.</summary>
public sealed record CreateExperimentRequest(string Name, JsonObject Base, JsonObject Vary);

public sealed record ExperimentRunDto(int Index, string Label, JobDto Job);

public sealed record ExperimentDto(Guid Id, string Name, Guid OwnerId, DateTime CreatedAt, IReadOnlyList<ExperimentRunDto> Runs);

/// <summary>One run's values of a metric by epoch (null where the run has none, e.g. not there yet).</summary>
public sealed record CurveDto(int Index, string Label, Guid JobId, IReadOnlyList<double?> Values);

/// <summary>Every run's curve of one metric, aligned on the same epochs, for plotting side by side.</summary>
public sealed record CurvesDto(string Metric, IReadOnlyList<int> Epochs, IReadOnlyList<CurveDto> Runs);

/// <summary>
/// Experiments: one base spec and a grid of values become a group of jobs (stored whole or not at all), whose
/// curves come back aligned for comparison; gRPC <c>dojo.v1.Experiments/WatchExperiment</c> streams them all.
/// The group's jobs do not count against a student's job limit; the grid's size is limited instead.
/// </summary>
public static class ExperimentsApi
{
    public static IEndpointRouteBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/experiments").WithTags("Experiments");
        api.MapPost("/", CreateAsync).WithName("CreateExperiment").RequireRateLimiting(Extensions.RateLimits.Submit).WithSummary("Run a base job request once per combination of the values to vary");
        api.MapGet("/", ListAsync).WithName("ListExperiments").WithSummary("Experiments, newest first");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetExperiment").WithSummary("An experiment's runs and their jobs");
        api.MapGet("/{id:guid}/curves", CurvesAsync).WithName("GetExperimentCurves")
            .WithSummary("One metric (default loss) of every run by epoch, aligned for comparison");
        api.MapGet("/{id:guid}/curves.png", CurvesPictureAsync).WithName("GetExperimentCurvesPicture")
            .WithSummary("The same curves as a PNG figure, a line per run labelled with the values it varies; x: another metric to plot them against (default: the epoch)");
        api.MapGet("/{id:guid}/plots/{metric}.png", (Guid id, string metric, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct, string? x) =>
                CurvesPictureAsync(id, viewer, contexts, ct, metric, x))
            .WithName("GetExperimentPlot").WithSummary("One metric of every run overlaid as a PNG, as a job's plots/{kind}.png: the figure of curves.png?metric=");
        return app;
    }

    private static async Task<IResult> CreateAsync(CreateExperimentRequest request, Viewer viewer, JobSubmission submission,
        IDbContextFactory<DojoDb> contexts, IConfiguration configuration, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) return Invalid("name", "must be 1 to 200 characters");
        if (request.Base is null) return Invalid("base", "is required: a job request as for POST /api/jobs");
        List<ExperimentGrid.Run> runs;
        try
        {
            runs = ExperimentGrid.Expand(request.Base, request.Vary ?? [], configuration.GetValue("Dojo:Limits:MaxExperimentRuns", 32));
        }
        catch (ExperimentGrid.GridException ex)
        {
            return Invalid(ex.Field, ex.Message);
        }

        // Check every run first; then the runs and the experiment are stored together, or not at all.
        var jobs = new List<Job>();
        var errors = new ValidationErrors();
        foreach (var run in runs)
        {
            string prefix = $"runs[{run.Index}] ({run.Label})";
            try
            {
                var prepared = await submission.PrepareAsync(SubmitJobRequest.From(run.Request) with { Name = $"{request.Name}: {run.Label}" }, viewer, inGroup: true, ct);
                errors.AddAll(prepared.Errors, $"{prefix}.");
                if (prepared.Job is { } job) jobs.Add(job);
            }
            catch (JsonException ex)
            {
                var (field, message) = Extensions.RequestWords.Json(ex);
                errors.Add($"{prefix}.{field}", message);
            }
        }
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The experiment was not started; no job was queued.");

        var experiment = Experiment.Create(request.Name.Trim(), viewer.UserId,
            new JsonObject { ["base"] = request.Base.DeepClone(), ["vary"] = request.Vary!.DeepClone() }.ToJsonString(), clock.GetUtcNow().UtcDateTime);
        for (int i = 0; i < runs.Count; i++) experiment.AddRun(i, runs[i].Label, jobs[i].Id);
        if (await submission.StoreAsync(jobs, viewer, inGroup: true, alongside: db => db.Experiments.Add(experiment), ct) is { } limit)
            return TooManyJobs(limit);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return TypedResults.Created($"/api/experiments/{experiment.Id}", await ReadAsync(db, experiment, ct));
    }

    private static async Task<IResult> ListAsync(Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiments = await Visible(db, viewer).OrderByDescending(e => e.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(await ReadAsync(db, experiments, ct));
    }

    private static async Task<IResult> GetAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiment = await Visible(db, viewer).SingleOrDefaultAsync(e => e.Id == id, ct);
        return experiment is null ? TypedResults.NotFound() : TypedResults.Ok(await ReadAsync(db, experiment, ct));
    }

    private static async Task<IResult> CurvesAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct, string metric = MetricNames.Loss) =>
        await ReadCurvesAsync(id, viewer, contexts, metric, ct) is { } curves ? TypedResults.Ok(curves) : TypedResults.NotFound();

    /// <summary>
    /// The curves as a figure; <paramref name="x"/> names another metric recorded at the same epochs to plot them against
    /// (a DQN's env_steps). Several metrics, comma-separated (<c>accuracy,val_accuracy</c>), draw each run in one colour,
    /// a line style per metric: a train–test gap shows as the space between a run's two lines.
    /// </summary>
    private static async Task<IResult> CurvesPictureAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct,
        string metric = MetricNames.Loss, string? x = null)
    {
        var metrics = metric.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (metrics.Length is 0 or > 4) return Invalid("metric", "name one to four metrics, separated by commas");
        var read = new List<CurvesDto>();
        foreach (var name in metrics)
            if (await ReadCurvesAsync(id, viewer, contexts, name, ct) is { } curves) read.Add(curves);
            else return TypedResults.NotFound();
        var along = x is null ? null : await ReadCurvesAsync(id, viewer, contexts, x, ct);
        // A run that did not succeed says so in the legend; one with no finite value at all (diverged in its first epoch) is listed still.
        var jobIds = read[0].Runs.Select(r => r.JobId).ToList();
        Dictionary<Guid, JobState> states;
        await using (var db = await contexts.CreateDbContextAsync(ct))
            states = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, j => j.State, ct);
        string Ended(CurveDto run) => states.TryGetValue(run.JobId, out var state) && state.IsTerminal() && state != JobState.Succeeded ? $" ({SpecJson.Name(state)})" : "";
        var plot = new ScottPlot.Plot();
        var patterns = new[] { ScottPlot.LinePattern.Solid, ScottPlot.LinePattern.Dashed, ScottPlot.LinePattern.Dotted, ScottPlot.LinePattern.DenselyDashed };
        for (int m = 0; m < read.Count; m++)
            foreach (var run in read[m].Runs)
            {
                var byEpoch = along?.Runs.Single(r => r.Index == run.Index).Values.Zip(along.Epochs).Where(p => p.First is not null).ToDictionary(p => p.Second, p => p.First!.Value);
                var points = read[m].Epochs.Zip(run.Values)
                    .Select(p => (X: byEpoch is null ? p.First : byEpoch.TryGetValue(p.First, out double at) ? at : double.NaN, Y: p.Second ?? double.NaN))
                    .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
                string label = (read.Count == 1 ? run.Label : $"{run.Label} · {metrics[m]}") + Ended(run);
                if (points.Count == 0)
                {
                    plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = label + ": no value", LineColor = ScottPlot.Palette.Default.GetColor(run.Index), LineWidth = 1 });
                    continue;
                }
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                line.LegendText = label;
                line.MarkerSize = points.Count > 50 ? 0 : 3;
                line.Color = ScottPlot.Palette.Default.GetColor(run.Index);
                line.LinePattern = patterns[m];
            }
        string title = string.Join(" vs ", metrics);
        plot.Title(title);
        plot.XLabel(x ?? "epoch");
        plot.YLabel(title);
        plot.ShowLegend(ScottPlot.Edge.Right);
        Jobs.PlotFonts.Fit(plot, [title, x, .. read[0].Runs.Select(r => r.Label)]); // labels may be Japanese
        return TypedResults.File(plot.GetImageBytes(1200, Math.Max(600, 200 + 20 * read[0].Runs.Count * read.Count), ScottPlot.ImageFormat.Png), "image/png");
    }

    /// <summary>Every run's values of <paramref name="metric"/> by epoch, aligned; null when the viewer may not see the experiment.</summary>
    private static async Task<CurvesDto?> ReadCurvesAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, string metric, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiment = await Visible(db, viewer).SingleOrDefaultAsync(e => e.Id == id, ct);
        if (experiment is null) return null;
        var jobIds = experiment.Runs.Select(r => r.JobId).ToList();
        var points = await db.MetricPoints.AsNoTracking().Where(p => jobIds.Contains(p.JobId) && p.Name == metric)
            .Select(p => new { p.JobId, p.Epoch, p.Value }).ToListAsync(ct);
        var epochs = points.Select(p => p.Epoch).Distinct().Order().ToList();
        var curves = experiment.Runs.OrderBy(r => r.Index).Select(run =>
        {
            var byEpoch = points.Where(p => p.JobId == run.JobId).ToDictionary(p => p.Epoch, p => p.Value);
            return new CurveDto(run.Index, run.Label, run.JobId, epochs.Select(e => byEpoch.TryGetValue(e, out var v) ? v : (double?)null).ToList());
        }).ToList();
        return new CurvesDto(metric, epochs, curves);
    }

    /// <summary>The experiments the viewer may see: their own (instructors: all).</summary>
    public static IQueryable<Experiment> Visible(DojoDb db, Viewer viewer) =>
        viewer.IsInstructor ? db.Experiments.AsNoTracking() : db.Experiments.AsNoTracking().Where(e => e.OwnerId == viewer.UserId);

    private static async Task<ExperimentDto> ReadAsync(DojoDb db, Experiment experiment, CancellationToken ct) =>
        (await ReadAsync(db, [experiment], ct))[0];

    /// <summary>Experiments with their runs' jobs, read in one query.</summary>
    private static async Task<List<ExperimentDto>> ReadAsync(DojoDb db, IReadOnlyList<Experiment> experiments, CancellationToken ct)
    {
        var jobIds = experiments.SelectMany(e => e.Runs).Select(r => r.JobId).ToList();
        var jobs = await db.Jobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).ToDictionaryAsync(j => j.Id, ct);
        return experiments.Select(experiment => new ExperimentDto(experiment.Id, experiment.Name, experiment.OwnerId, experiment.CreatedAt,
            experiment.Runs.OrderBy(r => r.Index).Select(r => new ExperimentRunDto(r.Index, r.Label, JobDto.From(jobs[r.JobId]))).ToList())).ToList();
    }

}
