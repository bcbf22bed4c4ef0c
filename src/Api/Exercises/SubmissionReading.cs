using System.Text.Json;
using Dojo.Api.People;
using Dojo.Api.Playground;
using Dojo.Domain.Exercises;
using Dojo.Domain.People;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Exercises;

/// <summary>A stored report file: the name it downloads under (from the exercise's template), its kind and size.</summary>
public sealed record SubmittedFileDto(string Name, ReportFileKind Kind, long Length, string Sha256, string Download);

/// <summary>
/// A submission as its viewer may see it: the automatic grading (jobs, pass/fail per data set) is always
/// visible; the instructor's score and feedback reach the student once the submission is returned.
/// </summary>
public sealed record SubmissionDto(
    Guid Id, Guid ExerciseId, Guid StudentId, string StudentName, string? StudentNumber, int Attempt, bool Latest,
    DateTime SubmittedAt, double? LateBySeconds, SubmissionState State, ExerciseKind Kind,
    IReadOnlyDictionary<string, string>? PlaygroundUrls, Guid? JobId, SubmittedFileDto? File,
    bool? AutoPassed, string? AutoSummary, GradingDto? AutoGrading,
    double? Score, string? Feedback, DateTime? ReturnedAt);

/// <summary>
/// An exercise with its unit and course — the names its files are called by, the course's time zone and students, and
/// whether it takes work (neither it nor its course archived) — loaded together for naming and checks.
/// </summary>
public sealed record ExerciseContext(Exercise Exercise, ExerciseDefinition Definition, string UnitName, Course Course)
{
    public string CourseName => Course.Name;

    /// <summary>Archived, itself or with its course: kept, but takes no more work.</summary>
    public bool Archived => Exercise.ArchivedAt is not null || Course.ArchivedAt is not null;

    public static async Task<ExerciseContext?> LoadAsync(DojoDb db, Guid exerciseId, CancellationToken ct)
    {
        var found = await (from e in db.Exercises.AsNoTracking()
                           join u in db.Set<Unit>() on e.UnitId equals u.Id
                           join c in db.Courses on u.CourseId equals c.Id
                           where e.Id == exerciseId
                           select new { Exercise = e, UnitName = u.Name, Course = c }).AsNoTracking().SingleOrDefaultAsync(ct);
        return found is null ? null : new ExerciseContext(found.Exercise, found.Exercise.Definition, found.UnitName, found.Course);
    }

    /// <summary>The file name under the exercise's template: 深層学習②_山田太郎.pdf.</summary>
    public string FileName(string studentName, ReportFileKind kind) =>
        SubmissionName.Render(Definition.NamingTemplate, CourseName, UnitName, Definition.Number, studentName, ReportFileSniffer.Extension(kind));
}

/// <summary>Reads submissions into <see cref="SubmissionDto"/>s, deciding what the viewer may see.</summary>
public sealed class SubmissionReading(PlaygroundGrader grader)
{
    public async Task<List<SubmissionDto>> ToDtosAsync(DojoDb db, ExerciseContext exercise, IReadOnlyList<Submission> submissions, Viewer viewer, CancellationToken ct)
    {
        var studentIds = submissions.Select(s => s.StudentId).Distinct().ToList();
        var students = await db.Users.AsNoTracking().Where(u => studentIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var latest = await db.Submissions.AsNoTracking()
            .Where(s => s.ExerciseId == exercise.Exercise.Id && studentIds.Contains(s.StudentId))
            .GroupBy(s => s.StudentId).Select(g => new { StudentId = g.Key, Attempt = g.Max(s => s.Attempt) })
            .ToDictionaryAsync(x => x.StudentId, x => x.Attempt, ct);
        var gradings = await grader.ReadManyAsync(submissions.Where(s => s.GradingId is not null).Select(s => s.GradingId!.Value).ToList(), ct);
        var dtos = new List<SubmissionDto>(submissions.Count);
        foreach (var s in submissions)
        {
            var student = students[s.StudentId];
            bool showMarks = viewer.IsInstructor || s.State == SubmissionState.Returned;
            var grading = s.GradingId is { } gradingId && gradings.TryGetValue(gradingId, out var read) ? read.Grading : null;
            dtos.Add(new SubmissionDto(
                s.Id, s.ExerciseId, s.StudentId, student.Name, student.Number, s.Attempt, latest[s.StudentId] == s.Attempt,
                s.SubmittedAt, s.LateBy?.TotalSeconds, s.State, s.Kind,
                s.PlaygroundUrlsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(s.PlaygroundUrlsJson),
                s.JobId, FileOf(exercise, s, student),
                s.AutoPassed, s.AutoSummary, grading,
                showMarks ? s.Score : null, showMarks ? s.Feedback : null, s.ReturnedAt));
        }
        return dtos;
    }

    private static SubmittedFileDto? FileOf(ExerciseContext exercise, Submission s, User student) =>
        s.FileSha256 is null || s.FileKind is null ? null
            : new SubmittedFileDto(exercise.FileName(student.Name, s.FileKind.Value), s.FileKind.Value, s.FileLength ?? 0, s.FileSha256, $"/api/submissions/{s.Id}/file");

    /// <summary>"xor: passed (mean test accuracy 0.998); spiral: failed — mean test accuracy 0.612 is below 0.900".</summary>
    public static string Summarize(GradingDto grading) => string.Join("; ", grading.Datasets.Select(d =>
        $"{SpecJson.Name(d.Dataset)}: " + (d.Passed == true
            ? $"passed (mean test accuracy {d.MeanTestAccuracy:F3})"
            : $"failed — {d.Reason}")));
}
