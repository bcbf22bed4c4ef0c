using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Extensions;
using Dojo.Domain.Exercises;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Exercises;

public sealed record ExerciseDto(Guid Id, Guid UnitId, ExerciseDefinition Definition, bool Archived)
{
    public static ExerciseDto From(Exercise e) => new(e.Id, e.UnitId, e.Definition, e.ArchivedAt is not null);
}

public sealed record UnitDto(Guid Id, string Name, IReadOnlyList<ExerciseDto> Exercises);

public sealed record CourseDto(Guid Id, string Name, string TimeZone, bool Archived, IReadOnlyList<UnitDto> Units)
{
    public static CourseDto From(Course c, bool withArchived = true) => new(c.Id, c.Name, c.TimeZone, c.ArchivedAt is not null,
        c.Units.Select(u => new UnitDto(u.Id, u.Name, u.Exercises.Where(e => withArchived || e.ArchivedAt is null)
            .OrderBy(e => e.Number).Select(ExerciseDto.From).ToList())).ToList());
}

public sealed record NameRequest(string Name);

/// <summary>A new course; its time zone (an IANA id) defaults to <see cref="CoursesOptions.TimeZone"/>.</summary>
public sealed record CourseRequest(string Name, string? TimeZone = null);

/// <summary>What changes in a course: each field left out stays as it is.</summary>
public sealed record CourseChange(string? Name = null, string? TimeZone = null, bool? Archived = null);

/// <summary>Course settings (section <c>Dojo:Courses</c>).</summary>
public sealed class CoursesOptions
{
    public const string Section = "Dojo:Courses";

    /// <summary>The time zone a new course reads times in, when its request names none (the course this was built for: Japan).</summary>
    public string TimeZone { get; set; } = CourseTimeZone.Japan;
}

/// <summary>
/// Courses, their units and exercises: everyone reads them, instructors make, change, archive and delete them (a student
/// gets 403). Changing an exercise's due date or cutoff judges the submissions already in again by the new dates. What
/// has submissions is archived rather than deleted: it stays with its work, takes no more, and leaves the lists.
/// </summary>
public static class CoursesApi
{
    public static IEndpointRouteBuilder MapCoursesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Courses");
        var instructor = People.Policies.Instructor;
        api.MapGet("/courses", ListAsync).WithName("ListCourses")
            .WithSummary("Courses with their units and exercises; archived=true includes archived courses and exercises");
        api.MapPost("/courses", CreateCourseAsync).RequireAuthorization(instructor).WithName("CreateCourse")
            .WithSummary("Create a course: { name, timeZone? (IANA, default Dojo:Courses:TimeZone, Asia/Tokyo) }");
        api.MapMethods("/courses/{courseId:guid}", ["PATCH"], ChangeCourseAsync).RequireAuthorization(instructor).WithName("ChangeCourse")
            .WithSummary("Rename a course, change its time zone, or archive it ({ \"archived\": true }) or bring it back");
        api.MapDelete("/courses/{courseId:guid}", DeleteCourseAsync).RequireAuthorization(instructor).WithName("DeleteCourse")
            .WithSummary("Delete a course with its units and exercises; refused (409) while it has submissions or students: archive it instead");
        api.MapPost("/courses/{courseId:guid}/units", CreateUnitAsync).RequireAuthorization(instructor).WithName("CreateUnit").WithSummary("Add a unit to a course");
        api.MapMethods("/units/{unitId:guid}", ["PATCH"], RenameUnitAsync).RequireAuthorization(instructor).WithName("RenameUnit").WithSummary("Rename a unit: { name }");
        api.MapDelete("/units/{unitId:guid}", DeleteUnitAsync).RequireAuthorization(instructor).WithName("DeleteUnit")
            .WithSummary("Delete a unit with its exercises; refused (409) while any has submissions: archive those instead");
        api.MapPost("/units/{unitId:guid}/exercises", CreateExerciseAsync).RequireAuthorization(instructor).WithName("CreateExercise").WithSummary("Add an exercise to a unit");
        api.MapGet("/exercises/{id:guid}", GetExerciseAsync).WithName("GetExercise").WithSummary("An exercise's definition");
        api.MapMethods("/exercises/{id:guid}", ["PATCH"], ChangeExerciseAsync).RequireAuthorization(instructor).WithName("ChangeExercise")
            .WithSummary("Change an exercise: the definition's fields given replace theirs ({ \"due\": \"…\", \"cutoff\": null }), the rest stay; " +
                "submissions already in are judged again as on time or late by the new dates. { \"archived\": true } archives it")
            .Accepts<JsonObject>("application/json");
        api.MapDelete("/exercises/{id:guid}", DeleteExerciseAsync).RequireAuthorization(instructor).WithName("DeleteExercise")
            .WithSummary("Delete an exercise; refused (409) while it has submissions: archive it instead");
        return app;
    }

    private static async Task<Ok<List<CourseDto>>> ListAsync(IDbContextFactory<DojoDb> contexts, CancellationToken ct, bool archived = false)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var courses = await db.Courses.AsNoTracking().Include(c => c.Units).ThenInclude(u => u.Exercises)
            .Where(c => archived || c.ArchivedAt == null).OrderBy(c => c.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(courses.Select(c => CourseDto.From(c, archived)).ToList());
    }

    private static async Task<Results<Created<CourseDto>, ValidationProblem>> CreateCourseAsync(
        CourseRequest request, IDbContextFactory<DojoDb> contexts, IOptions<CoursesOptions> options, TimeProvider clock, CancellationToken ct)
    {
        if (CheckName(request.Name) is { } badName) return badName;
        string timeZone = request.TimeZone ?? options.Value.TimeZone;
        if (CheckTimeZone(timeZone) is { } badZone) return badZone;
        var course = Course.Create(request.Name.Trim(), clock.GetUtcNow().UtcDateTime, timeZone);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Courses.Add(course);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/courses/{course.Id}", CourseDto.From(course));
    }

    private static async Task<Results<Ok<CourseDto>, NotFound, ValidationProblem>> ChangeCourseAsync(
        Guid courseId, CourseChange change, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        if (change.Name is not null && CheckName(change.Name) is { } badName) return badName;
        if (change.TimeZone is not null && CheckTimeZone(change.TimeZone) is { } badZone) return badZone;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var course = await db.Courses.Include(c => c.Units).ThenInclude(u => u.Exercises).SingleOrDefaultAsync(c => c.Id == courseId, ct);
        if (course is null) return TypedResults.NotFound();
        if (change.Name is not null) course.Rename(change.Name.Trim());
        if (change.TimeZone is not null) course.MoveToTimeZone(change.TimeZone);
        if (change.Archived is { } archived) course.SetArchived(archived, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(CourseDto.From(course));
    }

    private static async Task<IResult> DeleteCourseAsync(Guid courseId, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var course = await db.Courses.Include(c => c.Units).ThenInclude(u => u.Exercises).SingleOrDefaultAsync(c => c.Id == courseId, ct);
        if (course is null) return TypedResults.NotFound();
        var exerciseIds = course.Units.SelectMany(u => u.Exercises).Select(e => e.Id).ToList();
        if (await RefusalAsync(db, exerciseIds, "course", ct) is { } refused) return refused;
        if (await db.Users.CountAsync(u => u.CourseId == courseId, ct) is > 0 and var students)
            return InUse("course", $"{students} students are enrolled in it; move them to another course (PUT /api/users/{{id}}/course) or archive the course instead");
        await RemoveExercisesAsync(db, course.Units.SelectMany(u => u.Exercises), ct);
        db.RemoveRange(course.Units);
        db.Courses.Remove(course);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<UnitDto>, NotFound, ValidationProblem>> CreateUnitAsync(
        Guid courseId, NameRequest request, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        if (CheckName(request.Name) is { } badName) return badName;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var course = await db.Courses.Include(c => c.Units).SingleOrDefaultAsync(c => c.Id == courseId, ct);
        if (course is null) return TypedResults.NotFound();
        var unit = course.AddUnit(request.Name.Trim(), clock.GetUtcNow().UtcDateTime);
        db.Add(unit);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/courses/{courseId}", new UnitDto(unit.Id, unit.Name, []));
    }

    private static async Task<Results<Ok<UnitDto>, NotFound, ValidationProblem>> RenameUnitAsync(
        Guid unitId, NameRequest request, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        if (CheckName(request.Name) is { } badName) return badName;
        await using var db = await contexts.CreateDbContextAsync(ct);
        var unit = await db.Set<Unit>().Include(u => u.Exercises).SingleOrDefaultAsync(u => u.Id == unitId, ct);
        if (unit is null) return TypedResults.NotFound();
        unit.Rename(request.Name.Trim());
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new UnitDto(unit.Id, unit.Name, unit.Exercises.OrderBy(e => e.Number).Select(ExerciseDto.From).ToList()));
    }

    private static async Task<IResult> DeleteUnitAsync(Guid unitId, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var unit = await db.Set<Unit>().Include(u => u.Exercises).SingleOrDefaultAsync(u => u.Id == unitId, ct);
        if (unit is null) return TypedResults.NotFound();
        if (await RefusalAsync(db, unit.Exercises.Select(e => e.Id).ToList(), "unit", ct) is { } refused) return refused;
        await RemoveExercisesAsync(db, unit.Exercises, ct);
        db.Remove(unit);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<ExerciseDto>, NotFound, ValidationProblem, ProblemHttpResult>> CreateExerciseAsync(
        Guid unitId, ExerciseDefinition definition, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        var errors = definition.Validate();
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var unit = await db.Set<Unit>().Include(u => u.Exercises).SingleOrDefaultAsync(u => u.Id == unitId, ct);
        if (unit is null) return TypedResults.NotFound();
        if (unit.Exercises.Any(e => e.Number == definition.Number)) return NumberTaken(definition.Number);
        var exercise = unit.AddExercise(definition, clock.GetUtcNow().UtcDateTime);
        db.Add(exercise);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/exercises/{exercise.Id}", ExerciseDto.From(exercise));
    }

    private static async Task<Results<Ok<ExerciseDto>, NotFound>> GetExerciseAsync(Guid id, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exercise = await db.Exercises.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, ct);
        return exercise is null ? TypedResults.NotFound() : TypedResults.Ok(ExerciseDto.From(exercise));
    }

    /// <summary>
    /// The definition's fields in the body replace the stored ones (a JSON merge at the top level: <c>"cutoff": null</c>
    /// removes the cutoff); <c>archived</c> archives or brings back. Every submission of the exercise is judged again by
    /// the new dates and its student's extension.
    /// </summary>
    private static async Task<IResult> ChangeExerciseAsync(Guid id, JsonObject change, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exercise = await db.Exercises.SingleOrDefaultAsync(e => e.Id == id, ct);
        if (exercise is null) return TypedResults.NotFound();

        var merged = SpecJson.ToJsonObject(exercise.Definition);
        bool? archived = null;
        foreach (var (name, value) in change)
        {
            if (name == "archived")
            {
                if (value is not JsonValue flag || !flag.TryGetValue(out bool archive)) return Invalid("archived", "must be true or false");
                archived = archive;
            }
            else merged[name] = value?.DeepClone();
        }
        ExerciseDefinition definition;
        try
        {
            definition = merged.Deserialize<ExerciseDefinition>(SpecJson.Options) ?? throw new JsonException("must be an object", "$", null, null);
        }
        catch (JsonException ex)
        {
            var (field, message) = RequestWords.Json(ex);
            return Invalid(field, message);
        }
        var errors = definition.Validate();
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (definition.Number != exercise.Number && await db.Exercises.AnyAsync(e => e.UnitId == exercise.UnitId && e.Number == definition.Number, ct))
            return NumberTaken(definition.Number);

        exercise.Redefine(definition);
        if (archived is { } archiving) exercise.SetArchived(archiving, clock.GetUtcNow().UtcDateTime);
        await RejudgeAsync(db, exercise.Id, definition, studentId: null, ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ExerciseDto.From(exercise));
    }

    /// <summary>Judges an exercise's stored submissions (one student's, or everyone's) again by its dates and their extensions; the caller saves.</summary>
    public static async Task RejudgeAsync(DojoDb db, Guid exerciseId, ExerciseDefinition definition, Guid? studentId, CancellationToken ct)
    {
        var submissions = await db.Submissions.Where(s => s.ExerciseId == exerciseId && (studentId == null || s.StudentId == studentId)).ToListAsync(ct);
        var extensions = await db.Extensions.AsNoTracking().Where(e => e.ExerciseId == exerciseId && (studentId == null || e.StudentId == studentId))
            .ToDictionaryAsync(e => e.StudentId, e => e.Until, ct);
        foreach (var submission in submissions)
            submission.Rejudge(new SubmissionWindow(definition.Due, definition.Cutoff,
                extensions.TryGetValue(submission.StudentId, out var until) ? until : null));
    }

    private static async Task<IResult> DeleteExerciseAsync(Guid id, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exercise = await db.Exercises.SingleOrDefaultAsync(e => e.Id == id, ct);
        if (exercise is null) return TypedResults.NotFound();
        if (await RefusalAsync(db, [exercise.Id], "exercise", ct) is { } refused) return refused;
        await RemoveExercisesAsync(db, [exercise], ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>A 409 when any of the exercises has submissions: work handed in is never deleted with the structure around it.</summary>
    private static async Task<IResult?> RefusalAsync(DojoDb db, IReadOnlyList<Guid> exerciseIds, string what, CancellationToken ct)
    {
        int submissions = await db.Submissions.CountAsync(s => exerciseIds.Contains(s.ExerciseId), ct);
        return submissions == 0 ? null
            : InUse(what, $"the {what} has {submissions} submissions; archive it instead ({{ \"archived\": true }}), which keeps them");
    }

    private static async Task RemoveExercisesAsync(DojoDb db, IEnumerable<Exercise> exercises, CancellationToken ct)
    {
        var ids = exercises.Select(e => e.Id).ToList();
        db.Extensions.RemoveRange(await db.Extensions.Where(e => ids.Contains(e.ExerciseId)).ToListAsync(ct));
        db.Exercises.RemoveRange(exercises);
    }

    private static ProblemHttpResult InUse(string what, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: $"The {what} is in use.");

    private static ProblemHttpResult NumberTaken(int number) =>
        TypedResults.Problem($"the unit already has exercise {number}", statusCode: StatusCodes.Status409Conflict, title: "The exercise number is taken.");

    private static ValidationProblem? CheckName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Length > 200 ? Invalid("name", "must be 1 to 200 characters") : null;

    private static ValidationProblem? CheckTimeZone(string timeZone) => CourseTimeZone.Find(timeZone) is null
        ? Invalid("timeZone", $"'{timeZone}' is not a time zone this server knows; give an IANA id such as Asia/Tokyo, Europe/Berlin or UTC")
        : null;
}
