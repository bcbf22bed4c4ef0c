using Dojo.Api.Extensions;
using Dojo.Api.People;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using System.Text.Json;
using Dojo.Storage;
using Dojo.Worker.Training;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Jobs;

/// <summary>Training jobs. A student sees, watches and cancels only their own (others' answer 404); instructors see all.</summary>
public static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/jobs").WithTags("Jobs");
        api.MapPost("/", SubmitAsync).WithName("SubmitJob").RequireRateLimiting(RateLimits.Submit)
            .WithSummary("Submit a training job: { name?, kind? (default supervised), ...the kind's spec }; parts by saved id as networkId, datasetId, …")
            .Accepts<SubmitJobRequest.Body>("application/json");
        api.MapGet("/", ListAsync).WithName("ListJobs").WithSummary("List jobs, newest first, optionally by state");
        api.MapGet("/{id:guid}", GetAsync).WithName("GetJob").WithSummary("A job's state, spec, timestamps and final metrics");
        api.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelJob").WithSummary("Cancel a queued or running job");
        api.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteJob")
            .WithSummary("Delete an ended job with its metric points and files (its owner or an instructor); refused (409) while it is handed in, " +
                "a run of a grading or an experiment, or the start of an unfinished job");
        api.MapGet("/cleanup", CleanupAsync).RequireAuthorization(People.Policies.Instructor).WithName("PreviewJobCleanup")
            .WithSummary("What a cleanup would delete: jobs that ended more than olderThanDays ago (default Dojo:Cleanup:JobsAfterDays, 90), their points and bytes, and what it keeps and why");
        api.MapPost("/cleanup", CleanupAsync).RequireAuthorization(People.Policies.Instructor).WithName("CleanupJobs")
            .WithSummary("Delete the jobs that ended more than olderThanDays ago (see GET /api/jobs/cleanup for the counts first)");
        api.MapGet("/{id:guid}/events", JobEventsSse.StreamAsync).WithName("WatchJobEvents").Produces(200, contentType: "text/event-stream")
            .WithSummary("The job's points and final state live as server-sent events (the gRPC WatchJob stream for browsers): from fromSeq, " +
                "or after Last-Event-ID when reconnecting; event: metric (id = seq) until one event: state");
        api.MapGet("/{id:guid}/metrics", MetricsAsync).WithName("GetJobMetrics")
            .WithSummary("The job's stored metric points in pages: from fromSeq (1), at most limit (1000) of them; ask again from nextFromSeq " +
                "until a page comes back short. name=loss (repeatable) keeps only those metrics");
        api.MapGet("/{id:guid}/metrics.csv", MetricsCsvAsync).WithName("GetJobMetricsCsv")
            .WithSummary("Every epoch's figures as a CSV table (UTF-8 with BOM, for spreadsheets): a row per epoch, a column per metric, the final test figures in the last epoch's row");
        api.MapGet("/{id:guid}/model", ModelAsync).WithName("GetJobModel")
            .WithSummary("A trained network's weights: name (default model; a GAN's generator, …), format=torchSharp (default), safetensors or pyTorch (torch.load)");
        api.MapPost("/{id:guid}/predict", PredictAsync).WithName("Predict").DisableAntiforgery()
            .WithSummary("Ask a finished job. Supervised: class probabilities for JSON { \"inputs\": [...] } of raw values, or images (a PNG/JPEG body, or multipart parts; ?invert=true for dark-on-light); forecast: { \"steps\": n } values past the series' end; languageModel: { \"prompt\", \"length\", \"temperature\", \"seed\" } generated text; seq2seq: { \"inputs\": [\"12345\"] } answers; gan: { \"count\", \"seed\", \"label\", \"format\": \"png\" } generated samples, as arrays or an image grid; dqn: { \"states\" } or { \"cells\" } greedy actions and Q-values")
            .Accepts<PredictRequest>("application/json", "image/png", "image/jpeg", "multipart/form-data");
        api.MapPost("/{id:guid}/act", PredictAsync).WithName("Act").DisableAntiforgery()
            .WithSummary("A finished DQN's greedy action and Q-values: { \"states\": [[...], ...] } observations (a grid world also takes { \"cells\": [[row, column], ...] }); the predict route under the name the course uses")
            .Accepts<PredictRequest>("application/json");
        api.MapPost("/{id:guid}/generate", PredictAsync).WithName("Generate").DisableAntiforgery()
            .WithSummary("A finished GAN's samples: { \"count\": n, \"seed\": s } (the same seed, the same samples); the predict route under the name the course uses")
            .Accepts<PredictRequest>("application/json");
        app.MapGet("/api/me/compute", ComputeAsync).WithTags("Jobs").WithName("MyCompute")
            .WithSummary("Your compute budget: the estimated cost of your jobs of the last 24 hours, the daily budget, and the limits per job");
        api.MapGet("/{id:guid}/files", FilesAsync).WithName("ListJobFiles")
            .WithSummary("The files a job keeps as it trains (a GAN's samples-epoch-0001.png, a DQN's eval-trace.json and policy.png, …), with their sizes and URLs");
        api.MapGet("/{id:guid}/files/{name}", FileAsync).WithName("GetJobFile")
            .WithSummary("One of the job's kept files (PNG pictures, JSON traces); samples-over-epochs.png tiles up to 20 epochs' pictures into one");
        api.MapGet("/{id:guid}/plots/{kind}.png", PlotAsync).WithName("GetJobPlot")
            .WithSummary("Learning curves as a PNG: kind loss or accuracy (training and validation per epoch); boundary: a 2-D job's decision boundary " +
                "with its points, from the trained weights or, while it trains, its latest checkpoint (epoch= one of those; the Dojo-Epoch header says which)");
        return app;
    }

    private static async Task<IResult> PredictAsync(Guid id, HttpRequest http, Viewer viewer, IDbContextFactory<DojoDb> contexts,
        JobPredictor predictor, CancellationToken ct, bool invert = false)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null) return TypedResults.NotFound();
        if (job.State != JobState.Succeeded)
            return TypedResults.Problem($"the job is {SpecJson.Name(job.State)}; predictions need a job that has succeeded", statusCode: StatusCodes.Status409Conflict);
        try
        {
            if (http.HasJsonContentType())
            {
                var answer = predictor.Answer(job, await http.ReadFromJsonAsync<JsonElement>(SpecJson.Options, ct));
                return answer is PictureAnswer picture ? TypedResults.File(picture.Png, "image/png") : TypedResults.Ok(answer);
            }
            var images = new List<byte[]>();
            if (http.HasFormContentType)
            {
                foreach (var file in (await http.ReadFormCheckedAsync(ct)).Files)
                {
                    using var copy = new MemoryStream();
                    await file.CopyToAsync(copy, ct);
                    images.Add(copy.ToArray());
                }
            }
            else
            {
                using var copy = new MemoryStream();
                await http.Body.CopyToAsync(copy, ct);
                images.Add(copy.ToArray());
            }
            return TypedResults.Ok(predictor.PredictImages(job, images, invert));
        }
        catch (PredictionInputException ex)
        {
            return Invalid(ex.Field, ex.Message);
        }
    }

    private static async Task<IResult> PlotAsync(Guid id, string kind, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobFiles files,
        HttpResponse response, CancellationToken ct, int? epoch = null)
    {
        var parsed = SpecJson.ParseName<PlotKind>(kind);
        if (parsed is null && kind != "boundary")
            return Invalid("kind", $"'{kind}' is not one of: {SpecJson.AllowedNames<PlotKind>()}, boundary");
        if (epoch is not null && parsed is not null) return Invalid("epoch", "only the boundary plot is drawn at an epoch; the curves show every epoch");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null) return TypedResults.NotFound();
        if (parsed is null) return await JobBoundary.RenderAsync(db, job, epoch, files, response, ct);
        return TypedResults.File(await JobPlots.RenderAsync(db, job, parsed.Value, ct), "image/png");
    }

    private static async Task<Results<Created<JobDto>, ValidationProblem, ProblemHttpResult>> SubmitAsync(
        SubmitJobRequest.Body body, Viewer viewer, JobSubmission submission, CancellationToken ct)
    {
        var result = await submission.SubmitAsync(SubmitJobRequest.From(body), viewer, ct);
        if (result.LimitReached is not null)
            return TooManyJobs(result.LimitReached);
        if (result.Job is null) return TypedResults.ValidationProblem(result.Errors);
        return TypedResults.Created($"/api/jobs/{result.Job.Id}", JobDto.From(result.Job));
    }

    private static async Task<Results<Ok<JobPage>, ValidationProblem>> ListAsync(
        Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct, string? state = null, int page = 1, int pageSize = 50)
    {
        JobState? filter = null;
        if (state is not null)
        {
            filter = SpecJson.ParseName<JobState>(state);
            if (filter is null)
                return Invalid("state", $"'{state}' is not one of: {SpecJson.AllowedNames<JobState>()}");
        }
        if (page < 1) return Invalid("page", "must be 1 or more");
        if (pageSize is < 1 or > 500) return Invalid("pageSize", "must be between 1 and 500");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Jobs.AsNoTracking().VisibleTo(viewer);
        if (filter is not null) query = query.Where(j => j.State == filter);
        int total = await query.CountAsync(ct);
        long skip = (long)(page - 1) * pageSize; // in 64 bits: a page far past the end is empty, not page 1 again
        var jobs = skip >= total ? [] : await query.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .Skip((int)skip).Take(pageSize).ToListAsync(ct);
        return TypedResults.Ok(new JobPage(jobs.Select(JobDto.From).ToList(), page, pageSize, total));
    }

    private static async Task<Ok<JobSubmission.ComputeUse>> ComputeAsync(Viewer viewer, IDbContextFactory<DojoDb> contexts, JobSubmission submission, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return TypedResults.Ok(await submission.ComputeUseAsync(db, viewer, ct));
    }

    private static async Task<Results<Ok<JobDto>, NotFound>> GetAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(j => j.Id == id, ct);
        return job is null ? TypedResults.NotFound() : TypedResults.Ok(JobDto.From(job));
    }

    private static async Task<IResult> DeleteAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobRemoval removal, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null) return TypedResults.NotFound();
        // A student's job counts against their daily compute budget for a day; deleting it must not give that back.
        if (!viewer.IsInstructor && job.CreatedAt + JobSubmission.BudgetWindow is var counted && counted > clock.GetUtcNow().UtcDateTime)
            return TypedResults.Problem($"the job counts against your daily compute budget until {counted:yyyy-MM-dd HH:mm} UTC; delete it after that",
                statusCode: StatusCodes.Status409Conflict, title: "The job stays.");
        if (await removal.ObstacleAsync(db, job, ct) is { } obstacle)
            return TypedResults.Problem(obstacle, statusCode: StatusCodes.Status409Conflict, title: "The job stays.");
        await removal.DeleteAsync(db, [id], ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CleanupAsync(HttpRequest http, JobRemoval removal, TimeProvider clock, CancellationToken ct, int? olderThanDays = null)
    {
        int days = olderThanDays ?? removal.DefaultAgeDays;
        if (days is < 0 or > 36500) return Invalid("olderThanDays", "must be between 0 and 36500");
        var endedBefore = clock.GetUtcNow().UtcDateTime.AddDays(-days);
        return TypedResults.Ok(await removal.CleanupAsync(endedBefore, remove: HttpMethods.IsPost(http.Method), ct));
    }

    private static async Task<Results<Ok<JobDto>, NotFound, ProblemHttpResult>> CancelAsync(
        Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobStore store, JobEvents events, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Jobs.VisibleTo(viewer).AnyAsync(j => j.Id == id, ct)) return TypedResults.NotFound();
        var outcome = await store.RequestCancelAsync(id, ct);
        if (outcome == CancelOutcome.NotFound) return TypedResults.NotFound();
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == id, ct);
        if (outcome == CancelOutcome.AlreadyEnded)
            return TypedResults.Problem($"the job has already ended: {SpecJson.Name(job.State)}", statusCode: StatusCodes.Status409Conflict, title: "The job has ended.");
        if (outcome == CancelOutcome.Cancelled) events.Publish(new JobUpdate(job.Id, [], JobState.Cancelled));
        return TypedResults.Ok(JobDto.From(job));
    }

    private static async Task<Results<Ok<MetricPage>, NotFound, ValidationProblem>> MetricsAsync(
        Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobStore store, CancellationToken ct, long fromSeq = 1, int limit = 1000,
        string[]? name = null)
    {
        if (fromSeq < 1) return Invalid("fromSeq", "must be 1 or more");
        if (limit is < 1 or > 10_000) return Invalid("limit", "must be between 1 and 10000");
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Jobs.VisibleTo(viewer).AnyAsync(j => j.Id == id, ct)) return TypedResults.NotFound();
        var points = await store.PointsAsync(id, fromSeq, limit, ct, name);
        long next = points.Count > 0 ? points[^1].Seq + 1 : fromSeq;
        return TypedResults.Ok(new MetricPage(points.Select(MetricPointDto.From).ToList(), next));
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> MetricsCsvAsync(
        Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobStore store, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null) return TypedResults.NotFound();
        var points = await store.PointsAsync(id, 1, int.MaxValue, ct);
        return TypedResults.File(MetricsTable.Csv(points), "text/csv; charset=utf-8", MetricsTable.FileName(job.Name, id));
    }

    private static async Task<Results<Ok<IReadOnlyList<JobFileDto>>, NotFound>> FilesAsync(
        Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobFiles files, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Jobs.VisibleTo(viewer).AnyAsync(j => j.Id == id, ct)) return TypedResults.NotFound();
        var kept = (await files.FilesAsync(id, ct)).Select(f => new JobFileDto(f.Name, f.Bytes, $"/api/jobs/{id}/files/{f.Name}")).ToList();
        if (kept.Any(f => f.Name.StartsWith("samples-epoch-", StringComparison.Ordinal))) // made on request from the epochs' pictures
            kept.Add(new JobFileDto(JobFileTiles.Name, 0, $"/api/jobs/{id}/files/{JobFileTiles.Name}"));
        return TypedResults.Ok<IReadOnlyList<JobFileDto>>(kept);
    }

    private static async Task<Results<FileStreamHttpResult, FileContentHttpResult, ProblemHttpResult, ValidationProblem>> FileAsync(
        Guid id, string name, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobFiles files, CancellationToken ct)
    {
        if (!JobFiles.IsFileName(name)) return Invalid("name", $"'{name}' is not a job file name (lower-case letters, digits and dashes, then .png or .json)");
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Jobs.VisibleTo(viewer).AnyAsync(j => j.Id == id, ct)) return TypedResults.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);
        if (name == JobFileTiles.Name)
        {
            var epochs = (await files.FilesAsync(id, ct)).Select(f => f.Name).Where(n => n.StartsWith("samples-epoch-", StringComparison.Ordinal)).ToList();
            if (epochs.Count == 0) return TypedResults.Problem("the job has kept no epoch pictures yet", statusCode: StatusCodes.Status404NotFound);
            var chosen = JobFileTiles.Choose(epochs);
            var pictures = new List<(string, byte[])>();
            foreach (var picture in chosen)
                if (await files.ReadAllBytesAsync(JobFiles.File(id, picture), ct) is { } png) pictures.Add((picture, png));
            return TypedResults.File(JobFileTiles.Render(pictures), "image/png");
        }
        return await files.OpenReadAsync(JobFiles.File(id, name), ct) is { } content ? TypedResults.Stream(content, JobFiles.ContentType(name))
            : TypedResults.Problem($"the job has no file '{name}'; GET /api/jobs/{id}/files lists what it has", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult, ValidationProblem>> ModelAsync(
        Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, JobFiles files, CancellationToken ct,
        string name = ModelNames.Default, string format = "torchSharp")
    {
        var parsed = SpecJson.ParseName<ModelFormat>(format);
        if (parsed is null)
            return Invalid("format", $"'{format}' is not one of: {SpecJson.AllowedNames<ModelFormat>()}");
        if (!ModelNames.IsValid(name)) return Invalid("name", $"'{name}' is not a model name");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var state = await db.Jobs.VisibleTo(viewer).Where(j => j.Id == id).Select(j => (JobState?)j.State).SingleOrDefaultAsync(ct);
        if (state is null) return TypedResults.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);
        if (state != JobState.Succeeded)
            return TypedResults.Problem($"the job is {SpecJson.Name(state.Value)}; weights exist once it has succeeded", statusCode: StatusCodes.Status404NotFound);
        if (await files.OpenReadAsync(JobFiles.Model(id, name, parsed.Value), ct) is not { } content)
            return TypedResults.Problem($"the job has no model named '{name}'; it has: {string.Join(", ", await files.ModelNamesAsync(id, ct))}", statusCode: StatusCodes.Status404NotFound);
        string fileName = name == ModelNames.Default ? $"dojo-{id:N}" : $"dojo-{id:N}-{name}";
        return TypedResults.Stream(content, "application/octet-stream", fileName + JobFiles.Extension(parsed.Value));
    }
}

/// <summary>A file a job keeps (a picture of an epoch's samples): its name, size and where to fetch it.</summary>
public sealed record JobFileDto(string Name, long Bytes, string Url);

/// <summary>A supervised job's inputs to predict: each a flat array of the sample's size, or nested to its shape ([28][28]). Other kinds take their own members (a forecast: steps).</summary>
public sealed record PredictRequest(System.Text.Json.JsonElement Inputs);

public static class JobQueries
{
    /// <summary>The jobs <paramref name="viewer"/> may see: all for an instructor, their own for a student.</summary>
    public static IQueryable<Job> VisibleTo(this IQueryable<Job> jobs, Viewer viewer) =>
        viewer.IsInstructor ? jobs : jobs.Where(j => j.OwnerId == viewer.UserId);
}
