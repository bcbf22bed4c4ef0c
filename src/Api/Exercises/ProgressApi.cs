using Dojo.Api.People;
using Dojo.Domain.Exercises;
using Dojo.Domain.People;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Exercises;

/// <summary>Where a student stands on one exercise: the attempt that counts (none: "notSubmitted"), how late, its grade.</summary>
public sealed record ExerciseStandingDto(
    Guid ExerciseId, string Unit, int Number, string Title, DateTime? Due, string State, int Attempts, int? CountedAttempt,
    DateTime? SubmittedAt, double? LateBySeconds, bool? AutoPassed, double? AutoScore, double? Score);

public sealed record StudentProgressDto(UserDto Student, string Enrolment, IReadOnlyList<ExerciseStandingDto> Exercises);

public sealed record CourseStudentsDto(Guid CourseId, string Course, string TimeZone, IReadOnlyList<StudentProgressDto> Students);

/// <summary>One of the student's own attempts; the instructor's score and feedback once returned.</summary>
public sealed record MyAttemptDto(Guid Id, int Attempt, DateTime SubmittedAt, double? LateBySeconds, SubmissionState State,
    bool? AutoPassed, string? AutoSummary, double? Score, string? Feedback, DateTime? ReturnedAt);

/// <summary>An exercise as its student sees it: the dates (their own due date with an extension), what they handed in, their grades.</summary>
public sealed record MyExerciseDto(
    Guid ExerciseId, string Course, string TimeZone, string Unit, int Number, string Title, ExerciseKind Kind,
    DateTime? Due, DateTime? Cutoff, DateTime? MyDue, bool Open, int? CountedAttempt, IReadOnlyList<MyAttemptDto> Attempts);

/// <summary>
/// Progress through a course: for an instructor, every student's standing on every exercise of a course; for a student,
/// their own exercises with due dates, what they handed in, and their returned grades and feedback.
/// </summary>
public static class ProgressApi
{
    public static IEndpointRouteBuilder MapProgressApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/courses/{courseId:guid}/students", CourseStudentsAsync).WithTags("Courses").RequireAuthorization(Policies.Instructor)
            .WithName("CourseStudents")
            .WithSummary("The course's students (enrolled, and anyone else who handed in) with their standing on each of its exercises");
        app.MapGet("/api/me/exercises", MyExercisesAsync).WithTags("Submissions").WithName("MyExercises")
            .WithSummary("Your exercises (your course's; enrolled nowhere: every course's) with due dates, what you handed in, your grades and feedback");
        return app;
    }

    private static async Task<Results<Ok<CourseStudentsDto>, NotFound>> CourseStudentsAsync(Guid courseId, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var course = await db.Courses.AsNoTracking().Include(c => c.Units).ThenInclude(u => u.Exercises).SingleOrDefaultAsync(c => c.Id == courseId, ct);
        if (course is null) return TypedResults.NotFound();
        var exercises = course.Units.SelectMany(u => u.Exercises.Where(e => e.ArchivedAt is null).OrderBy(e => e.Number).Select(e => (Unit: u, Exercise: e))).ToList();
        var roster = await CourseRoster.LoadAsync(db, courseId, exercises.Select(e => e.Exercise.Id).ToList(), ct);
        var students = roster.Students.Select(student => new StudentProgressDto(UserDto.From(student), roster.Enrolment(student),
            exercises.Select(e =>
            {
                var definition = e.Exercise.Definition;
                var counted = roster.Counted(student.Id, e.Exercise.Id);
                return new ExerciseStandingDto(e.Exercise.Id, e.Unit.Name, e.Exercise.Number, definition.Title, definition.Due,
                    counted is null ? "notSubmitted" : Domain.Specs.SpecJson.Name(counted.State), roster.Attempts(student.Id, e.Exercise.Id).Count,
                    counted?.Attempt, counted?.SubmittedAt, counted?.LateBy?.TotalSeconds, counted?.AutoPassed, counted?.AutoScore, counted?.Score);
            }).ToList())).ToList();
        return TypedResults.Ok(new CourseStudentsDto(course.Id, course.Name, course.TimeZone, students));
    }

    private static async Task<Ok<List<MyExerciseDto>>> MyExercisesAsync(Viewer viewer, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var me = await db.Users.AsNoTracking().SingleAsync(u => u.Id == viewer.UserId, ct);
        var courses = await db.Courses.AsNoTracking().Include(c => c.Units).ThenInclude(u => u.Exercises)
            .Where(c => c.ArchivedAt == null && (me.CourseId == null || c.Id == me.CourseId)).OrderBy(c => c.CreatedAt).ToListAsync(ct);
        var mine = (await db.Submissions.AsNoTracking().Where(s => s.StudentId == me.Id).ToListAsync(ct)).ToLookup(s => s.ExerciseId);
        var extensions = await db.Extensions.AsNoTracking().Where(e => e.StudentId == me.Id).ToDictionaryAsync(e => e.ExerciseId, e => e.Until, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var list = new List<MyExerciseDto>();
        foreach (var course in courses)
            foreach (var unit in course.Units)
                foreach (var exercise in unit.Exercises.Where(e => e.ArchivedAt is null).OrderBy(e => e.Number))
                {
                    var definition = exercise.Definition;
                    DateTime? extension = extensions.TryGetValue(exercise.Id, out var until) ? until : null;
                    var window = new SubmissionWindow(definition.Due, definition.Cutoff, extension);
                    var attempts = mine[exercise.Id].OrderBy(s => s.Attempt).Select(s =>
                    {
                        bool returned = s.State == SubmissionState.Returned;
                        return new MyAttemptDto(s.Id, s.Attempt, s.SubmittedAt, s.LateBy?.TotalSeconds, s.State, s.AutoPassed, s.AutoSummary,
                            returned ? s.Score : null, returned ? s.Feedback : null, s.ReturnedAt);
                    }).ToList();
                    list.Add(new MyExerciseDto(exercise.Id, course.Name, course.TimeZone, unit.Name, exercise.Number, definition.Title, definition.Kind,
                        definition.Due, definition.Cutoff, window.EffectiveDue,
                        window.Judge(now) is not Timeliness.Refused, attempts.Count > 0 ? attempts[^1].Attempt : null, attempts));
                }
        return TypedResults.Ok(list);
    }
}
