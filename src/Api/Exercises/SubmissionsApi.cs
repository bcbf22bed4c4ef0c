using Dojo.Api.Extensions;
using System.Text.Json;
using Dojo.Api.People;
using Dojo.Api.Playground;
using Dojo.Domain.Exercises;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Exercises;

/// <summary>What a student hands in as JSON: the playground URL per data set, or a finished job of theirs.</summary>
public sealed record SubmitWorkRequest(IReadOnlyDictionary<string, string>? PlaygroundUrls = null, Guid? JobId = null);

public sealed record GradeRequest(double Score, string? Feedback = null);

public sealed record ExtensionRequest(DateTime Until);

public sealed record ExtensionDto(Guid ExerciseId, Guid StudentId, DateTime Until, DateTime GrantedAt);

/// <summary>
/// Students hand in work (URLs, a job, a file); every attempt is kept and numbered, the newest counts. Late
/// work is marked with how late it is; after the cutoff it is refused unless the student has an extension.
/// Instructors grade, return and export; students see only their own submissions (others' answer 404).
/// </summary>
public static class SubmissionsApi
{
    public static IEndpointRouteBuilder MapSubmissionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Submissions");
        api.MapPost("/exercises/{id:guid}/submissions", SubmitWorkAsync).WithName("SubmitWork").RequireRateLimiting(RateLimits.Submit)
            .WithSummary("Hand in playground URLs (playgroundUrl exercises: graded automatically) or a finished job (trainingJob)");
        api.MapPost("/exercises/{id:guid}/submissions/file", SubmitFileAsync).WithName("SubmitFile").RequireRateLimiting(RateLimits.Upload)
            .WithSummary("Hand in a report file (multipart/form-data, part 'file'); its type is checked by content")
            .Accepts<IFormFile>("multipart/form-data").DisableAntiforgery()
            .WithMetadata(new Extensions.UploadSizeLimit(app.ServiceProvider.GetRequiredService<IConfiguration>()));
        api.MapGet("/exercises/{id:guid}/submissions", ListAsync).WithName("ListSubmissions")
            .WithSummary("An exercise's submissions (a student's own), newest first; latestOnly=true for the attempt that counts");
        api.MapGet("/submissions/{id:guid}", GetAsync).WithName("GetSubmission").WithSummary("A submission, with its automatic grading");
        api.MapGet("/submissions/{id:guid}/file", DownloadAsync).WithName("DownloadSubmissionFile")
            .WithSummary("The submitted file, named by the exercise's template (深層学習②_山田太郎.pdf)");
        api.MapPost("/submissions/{id:guid}/grade", GradeAsync).RequireAuthorization(Policies.Instructor).WithName("GradeSubmission")
            .WithSummary("Record a score (0–100) and feedback");
        api.MapPost("/submissions/{id:guid}/return", ReturnAsync).RequireAuthorization(Policies.Instructor).WithName("ReturnSubmission")
            .WithSummary("Return a graded submission: the student then sees score and feedback (an automatically graded one without a score of yours: its automatic score)");
        api.MapPut("/exercises/{id:guid}/extensions/{studentId:guid}", ExtendAsync).RequireAuthorization(Policies.Instructor)
            .WithName("GrantExtension").WithSummary("Give a student until a later time for this exercise");
        api.MapGet("/exercises/{id:guid}/extensions", ExtensionsAsync).WithName("ListExtensions")
            .WithSummary("The exercise's extensions (a student's own)");
        api.MapGet("/exercises/{id:guid}/export", ExportAsync).RequireAuthorization(Policies.Instructor).WithName("ExportSubmissions")
            .WithSummary("The latest submission of each student as a zip: files under their templated names and a CSV (UTF-8 with BOM)");
        return app;
    }

    private static async Task<IResult> SubmitWorkAsync(Guid id, SubmitWorkRequest request, Viewer viewer,
        IDbContextFactory<DojoDb> contexts, PlaygroundGrader grader, JobStore store, SubmissionReading reading, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (exercise, lateBy, refusal) = await AdmitAsync(db, id, viewer, clock, ct);
        if (refusal is not null) return refusal;
        var now = clock.GetUtcNow().UtcDateTime;

        switch (exercise!.Definition.Kind)
        {
            case ExerciseKind.PlaygroundUrl:
            {
                if (request.PlaygroundUrls is not { Count: > 0 } urls || request.JobId is not null)
                    return Invalid("playgroundUrls", "this exercise takes playground URLs by data set: { \"playgroundUrls\": { \"xor\": \"...\", \"spiral\": \"...\" } }");
                var rule = exercise.Definition.PlaygroundRule ?? PlaygroundGradingRule.Exercise1;
                var started = await grader.StartAsync(rule, urls, viewer, ct);
                if (started.LimitReached is { } limit) return TooManyJobs(limit);
                if (started.Grading is null)
                    return TypedResults.ValidationProblem(started.Errors.ToDictionary(e => e.Key.Replace("urls.", "playgroundUrls.", StringComparison.Ordinal), e => e.Value));
                // The newest attempt counts: an earlier attempt still training would only take workers from it.
                await CancelEarlierGradingsAsync(db, exercise.Exercise.Id, viewer.UserId, store, ct);
                return await StoreAsync(db, exercise, viewer, reading, attempt =>
                    Submission.ForPlayground(exercise.Exercise.Id, viewer.UserId, attempt, JsonSerializer.Serialize(urls), started.Grading.Id, lateBy, now), ct);
            }
            case ExerciseKind.TrainingJob:
            {
                if (request.JobId is not { } jobId || request.PlaygroundUrls is not null)
                    return Invalid("jobId", "this exercise takes a finished job of yours: { \"jobId\": \"...\" }");
                var state = await db.Jobs.Where(j => j.Id == jobId && j.OwnerId == viewer.UserId).Select(j => (JobState?)j.State).SingleOrDefaultAsync(ct);
                if (state is null) return Invalid("jobId", $"you have no job {jobId}");
                if (state != JobState.Succeeded) return Invalid("jobId", $"the job is {SpecJson.Name(state.Value)}; hand in a job that has succeeded");
                return await StoreAsync(db, exercise, viewer, reading, attempt =>
                    Submission.ForJob(exercise.Exercise.Id, viewer.UserId, attempt, jobId, lateBy, now), ct);
            }
            default:
                return Invalid("body", $"this exercise takes a file: POST it as multipart/form-data to /api/exercises/{id}/submissions/file");
        }
    }

    private static async Task<IResult> SubmitFileAsync(Guid id, HttpRequest http, Viewer viewer,
        IDbContextFactory<DojoDb> contexts, ContentStore files, SubmissionReading reading, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (exercise, lateBy, refusal) = await AdmitAsync(db, id, viewer, clock, ct);
        if (refusal is not null) return refusal;
        var definition = exercise!.Definition;
        if (definition.Kind != ExerciseKind.ReportFile)
            return Invalid("file", $"this exercise takes {SpecJson.Name(definition.Kind)}, not a file; POST JSON to /api/exercises/{id}/submissions");
        if (!http.HasFormContentType) return Invalid("file", "send the file as multipart/form-data, in the part 'file'");

        var form = await http.ReadFormCheckedAsync(ct);
        if (form.Files.GetFile("file") is not { } file) return Invalid("file", "the part 'file' is missing");
        string declared = file.FileName;
        // The name only tells the extension and is shown back; it never reaches a path. A name with folders
        // in it did not come from a browser's file picker.
        if (declared.Length == 0 || declared.Length > 255 || declared.IndexOfAny(['/', '\\', '\0']) >= 0 || declared is "." or "..")
            return Invalid("file", $"'{declared}' is not a plain file name (no folders, 1 to 255 characters)");
        if (file.Length == 0) return Invalid("file", "the file is empty");
        if (file.Length > definition.MaxFileBytes)
            return TypedResults.Problem($"file: {file.Length} bytes is over this exercise's limit of {definition.MaxFileBytes} bytes",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "The file is too large.");

        byte[] content = new byte[file.Length];
        await using (var stream = file.OpenReadStream()) await stream.ReadExactlyAsync(content, ct);
        var (kind, problem) = ReportFileSniffer.Detect(content, declared);
        if (kind is null) return Invalid("file", problem!);
        if (!definition.AllowedFileKinds.Contains(kind.Value))
            return Invalid("file", $"this exercise accepts {string.Join(", ", definition.AllowedFileKinds.Select(ReportFileSniffer.Extension))}, not {ReportFileSniffer.Extension(kind.Value)}");

        var stored = await files.PutAsync(new MemoryStream(content, writable: false), definition.MaxFileBytes, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        return await StoreAsync(db, exercise, viewer, reading, attempt =>
            Submission.ForFile(exercise.Exercise.Id, viewer.UserId, attempt, stored.Sha256, kind.Value, stored.Length, declared, lateBy, now), ct);
    }

    private static async Task<IResult> ListAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, SubmissionReading reading,
        CancellationToken ct, bool latestOnly = false)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exercise = await ExerciseContext.LoadAsync(db, id, ct);
        if (exercise is null) return TypedResults.NotFound();
        var query = db.Submissions.AsNoTracking().Where(s => s.ExerciseId == id);
        if (!viewer.IsInstructor) query = query.Where(s => s.StudentId == viewer.UserId);
        if (latestOnly)
            query = query.Where(s => s.Attempt == db.Submissions.Where(o => o.ExerciseId == s.ExerciseId && o.StudentId == s.StudentId).Max(o => o.Attempt));
        var submissions = await query.OrderByDescending(s => s.SubmittedAt).ThenByDescending(s => s.Attempt).ToListAsync(ct);
        return TypedResults.Ok(await reading.ToDtosAsync(db, exercise, submissions, viewer, ct));
    }

    private static async Task<IResult> GetAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, SubmissionReading reading, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, ct);
        if (submission is null || !viewer.CanSee(submission.StudentId)) return TypedResults.NotFound();
        var exercise = (await ExerciseContext.LoadAsync(db, submission.ExerciseId, ct))!;
        return TypedResults.Ok((await reading.ToDtosAsync(db, exercise, [submission], viewer, ct))[0]);
    }

    private static async Task<IResult> DownloadAsync(Guid id, Viewer viewer, HttpResponse response, IDbContextFactory<DojoDb> contexts, ContentStore files, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, ct);
        if (submission is null || !viewer.CanSee(submission.StudentId)) return TypedResults.NotFound();
        if (submission.FileSha256 is not { } sha256 || submission.FileKind is not { } kind)
            return TypedResults.Problem("this submission has no file", statusCode: StatusCodes.Status404NotFound);
        var exercise = (await ExerciseContext.LoadAsync(db, submission.ExerciseId, ct))!;
        var student = await db.Users.AsNoTracking().SingleAsync(u => u.Id == submission.StudentId, ct);
        var content = await files.OpenReadAsync(sha256, ct);
        if (content is null) return TypedResults.Problem("the stored file is missing", statusCode: StatusCodes.Status404NotFound);
        string ascii = $"{exercise.Definition.Number}-{student.Number ?? student.Id.ToString("N")[..8]}-{submission.Attempt}.{ReportFileSniffer.Extension(kind)}";
        SetDownloadName(response, exercise.FileName(student.Name, kind), $"submission-{ascii}");
        return TypedResults.Stream(content, ContentTypeOf(kind));
    }

    private static async Task<IResult> GradeAsync(Guid id, GradeRequest request, Viewer viewer, IDbContextFactory<DojoDb> contexts,
        SubmissionReading reading, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        if (!double.IsFinite(request.Score) || request.Score is < 0 or > 100) errors.Add("score", "must be between 0 and 100");
        if (request.Feedback is { Length: > 10_000 }) errors.Add("feedback", "must be at most 10000 characters");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors.ToDictionary());
        return await ChangeAsync(id, viewer, contexts, reading, ct, s =>
        {
            s.Grade(request.Score, request.Feedback, clock.GetUtcNow().UtcDateTime);
            return null;
        });
    }

    private static Task<IResult> ReturnAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, SubmissionReading reading,
        TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, viewer, contexts, reading, ct, s => s.Return(clock.GetUtcNow().UtcDateTime) ? null
            : TypedResults.Problem(s.State == SubmissionState.Graded
                ? "the submission has no score yet; record one first"
                : $"the submission is {SpecJson.Name(s.State)}; record a score first (an automatically graded one is returned with its automatic score once its grading has ended)",
                statusCode: StatusCodes.Status409Conflict));

    private static async Task<IResult> ChangeAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, SubmissionReading reading,
        CancellationToken ct, Func<Submission, IResult?> change)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var submission = await db.Submissions.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (submission is null) return TypedResults.NotFound();
        if (change(submission) is { } refused) return refused;
        await db.SaveChangesAsync(ct);
        var exercise = (await ExerciseContext.LoadAsync(db, submission.ExerciseId, ct))!;
        return TypedResults.Ok((await reading.ToDtosAsync(db, exercise, [submission], viewer, ct))[0]);
    }

    private static async Task<IResult> ExtendAsync(Guid id, Guid studentId, ExtensionRequest request, IDbContextFactory<DojoDb> contexts,
        TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Exercises.AnyAsync(e => e.Id == id, ct)) return TypedResults.NotFound();
        if (!await db.Users.AnyAsync(u => u.Id == studentId && u.Role == Domain.People.Role.Student, ct))
            return Invalid("studentId", $"no student has id {studentId}");
        var now = clock.GetUtcNow().UtcDateTime;
        var until = request.Until.ToUniversalTime();
        var extension = await db.Extensions.SingleOrDefaultAsync(e => e.ExerciseId == id && e.StudentId == studentId, ct);
        if (extension is null) db.Extensions.Add(extension = Extension.Grant(id, studentId, until, now));
        else extension.Change(until, now);
        try
        {
            await db.SaveChangesAsync(ct);
            // What the student handed in already is judged again by the new date (late work within it becomes on time).
            var exercise = await db.Exercises.AsNoTracking().SingleAsync(e => e.Id == id, ct);
            await CoursesApi.RejudgeAsync(db, id, exercise.Definition, studentId, ct);
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException race) when (race.IsUniqueViolation())
        {
            return TypedResults.Problem("another request granted this student an extension at the same moment; read it and grant again to change it",
                statusCode: StatusCodes.Status409Conflict, title: "Granted meanwhile.");
        }
        return TypedResults.Ok(new ExtensionDto(id, studentId, extension.Until, extension.GrantedAt));
    }

    private static async Task<IResult> ExtensionsAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Exercises.AnyAsync(e => e.Id == id, ct)) return TypedResults.NotFound();
        var extensions = await db.Extensions.AsNoTracking().Where(e => e.ExerciseId == id && (viewer.IsInstructor || e.StudentId == viewer.UserId)).ToListAsync(ct);
        return TypedResults.Ok(extensions.Select(e => new ExtensionDto(e.ExerciseId, e.StudentId, e.Until, e.GrantedAt)).ToList());
    }

    private static async Task<IResult> ExportAsync(Guid id, HttpResponse response, IDbContextFactory<DojoDb> contexts, SubmissionExport export, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exercise = await ExerciseContext.LoadAsync(db, id, ct);
        if (exercise is null) return TypedResults.NotFound();
        var (zip, name) = await export.WriteAsync(db, exercise, ct);
        SetDownloadName(response, name, $"exercise-{exercise.Definition.Number}-submissions.zip");
        return TypedResults.Stream(zip, "application/zip");
    }

    /// <summary>
    /// <c>attachment; filename="submission-2-R001-1.pdf"; filename*=UTF-8''%E6%B7%B1…</c>: browsers take the UTF-8 name
    /// (RFC 6266/8187); tools that read only <c>filename</c> (curl -J) get a readable ASCII name rather than underscores.
    /// </summary>
    private static void SetDownloadName(HttpResponse response, string name, string asciiFallback) =>
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = $"\"{asciiFallback}\"", FileNameStar = name }.ToString();

    /// <summary>
    /// Whether the caller may hand in work for the exercise now: it exists, the caller is a student, and the
    /// time is before the cutoff (or the student's extension). Gives how late it is when past the due date.
    /// </summary>
    private static async Task<(ExerciseContext? Exercise, TimeSpan? LateBy, IResult? Refusal)> AdmitAsync(
        DojoDb db, Guid exerciseId, Viewer viewer, TimeProvider clock, CancellationToken ct)
    {
        var exercise = await ExerciseContext.LoadAsync(db, exerciseId, ct);
        if (exercise is null) return (null, null, TypedResults.NotFound());
        if (viewer.IsInstructor)
            return (null, null, TypedResults.Problem("only students hand in work", statusCode: StatusCodes.Status403Forbidden));
        if (exercise.Archived)
            return (null, null, TypedResults.Problem("the exercise is archived and takes no more work", statusCode: StatusCodes.Status403Forbidden,
                title: "The exercise is archived."));
        var extension = await db.Extensions.AsNoTracking().Where(e => e.ExerciseId == exerciseId && e.StudentId == viewer.UserId)
            .Select(e => (DateTime?)e.Until).SingleOrDefaultAsync(ct);
        var window = new SubmissionWindow(exercise.Definition.Due, exercise.Definition.Cutoff, extension);
        return window.Judge(clock.GetUtcNow().UtcDateTime) switch
        {
            Timeliness.Refused refused => (null, null, TypedResults.Problem(
                $"submissions closed at {refused.Cutoff:yyyy-MM-dd HH:mm} UTC; ask the instructor for an extension",
                statusCode: StatusCodes.Status403Forbidden, title: "The exercise is closed.")),
            Timeliness.Late late => (exercise, late.By, null),
            _ => (exercise, null, null),
        };
    }

    /// <summary>Numbers the attempt and stores it; the count and the insert share one transaction that racing hand-ins take in turn (<see cref="DbLocks"/>).</summary>
    private static async Task<IResult> StoreAsync(DojoDb db, ExerciseContext exercise, Viewer viewer, SubmissionReading reading,
        Func<int, Submission> create, CancellationToken ct)
    {
        Submission submission;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.Database.LockAsync($"attempts:{exercise.Exercise.Id}:{viewer.UserId}", ct);
            int last = await db.Submissions.Where(s => s.ExerciseId == exercise.Exercise.Id && s.StudentId == viewer.UserId)
                .MaxAsync(s => (int?)s.Attempt, ct) ?? 0;
            submission = create(last + 1);
            db.Submissions.Add(submission);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        var dto = (await reading.ToDtosAsync(db, exercise, [submission], viewer, ct))[0];
        return TypedResults.Created($"/api/submissions/{submission.Id}", dto);
    }

    private static async Task CancelEarlierGradingsAsync(DojoDb db, Guid exerciseId, Guid studentId, JobStore store, CancellationToken ct)
    {
        var gradingIds = await db.Submissions.Where(s => s.ExerciseId == exerciseId && s.StudentId == studentId
            && s.State == SubmissionState.Grading && s.GradingId != null).Select(s => s.GradingId!.Value).ToListAsync(ct);
        if (gradingIds.Count == 0) return;
        var jobIds = (await db.Gradings.AsNoTracking().Where(g => gradingIds.Contains(g.Id)).ToListAsync(ct)).SelectMany(g => g.Runs).Select(r => r.JobId).ToList();
        foreach (var jobId in jobIds) await store.RequestCancelAsync(jobId, ct);
    }


    private static string ContentTypeOf(ReportFileKind kind) => kind switch
    {
        ReportFileKind.Pdf => "application/pdf",
        ReportFileKind.Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ReportFileKind.Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ReportFileKind.Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ReportFileKind.Markdown => "text/markdown; charset=utf-8",
        ReportFileKind.Text => "text/plain; charset=utf-8",
        ReportFileKind.Notebook => "application/x-ipynb+json",
        _ => "application/octet-stream",
    };
}
