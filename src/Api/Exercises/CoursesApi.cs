using Dojo.Domain.Exercises;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Exercises;

public sealed record ExerciseDto(Guid Id, Guid UnitId, ExerciseDefinition Definition)
{
    public static ExerciseDto From(Exercise e) => new(e.Id, e.UnitId, e.Definition);
}

public sealed record UnitDto(Guid Id, string Name, IReadOnlyList<ExerciseDto> Exercises);

public sealed record CourseDto(Guid Id, string Name, IReadOnlyList<UnitDto> Units)
{
    public static CourseDto From(Course c) => new(c.Id, c.Name,
        c.Units.Select(u => new UnitDto(u.Id, u.Name, u.Exercises.OrderBy(e => e.Number).Select(ExerciseDto.From).ToList())).ToList());
}

public sealed record NameRequest(string Name);

/// <summary>Courses, their units and exercises: everyone reads them, instructors create them (a student gets 403).</summary>
public static class CoursesApi
{
    public static IEndpointRouteBuilder MapCoursesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Courses");
        api.MapGet("/courses", ListAsync).WithName("ListCourses").WithSummary("Courses with their units and exercises");
        api.MapPost("/courses", CreateCourseAsync).RequireAuthorization(People.Policies.Instructor).WithName("CreateCourse").WithSummary("Create a course");
        api.MapPost("/courses/{courseId:guid}/units", CreateUnitAsync).RequireAuthorization(People.Policies.Instructor).WithName("CreateUnit").WithSummary("Add a unit to a course");
        api.MapPost("/units/{unitId:guid}/exercises", CreateExerciseAsync).RequireAuthorization(People.Policies.Instructor).WithName("CreateExercise").WithSummary("Add an exercise to a unit");
        api.MapGet("/exercises/{id:guid}", GetExerciseAsync).WithName("GetExercise").WithSummary("An exercise's definition");
        return app;
    }

    private static async Task<Ok<List<CourseDto>>> ListAsync(IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var courses = await db.Courses.AsNoTracking().Include(c => c.Units).ThenInclude(u => u.Exercises).OrderBy(c => c.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(courses.Select(CourseDto.From).ToList());
    }

    private static async Task<Results<Created<CourseDto>, ValidationProblem>> CreateCourseAsync(
        NameRequest request, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            return Invalid("name", "must be 1 to 200 characters");
        var course = Course.Create(request.Name.Trim(), clock.GetUtcNow().UtcDateTime);
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Courses.Add(course);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/courses/{course.Id}", CourseDto.From(course));
    }

    private static async Task<Results<Created<UnitDto>, NotFound, ValidationProblem>> CreateUnitAsync(
        Guid courseId, NameRequest request, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            return Invalid("name", "must be 1 to 200 characters");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var course = await db.Courses.Include(c => c.Units).SingleOrDefaultAsync(c => c.Id == courseId, ct);
        if (course is null) return TypedResults.NotFound();
        var unit = course.AddUnit(request.Name.Trim(), clock.GetUtcNow().UtcDateTime);
        db.Add(unit);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/courses/{courseId}", new UnitDto(unit.Id, unit.Name, []));
    }

    private static async Task<Results<Created<ExerciseDto>, NotFound, ValidationProblem, ProblemHttpResult>> CreateExerciseAsync(
        Guid unitId, ExerciseDefinition definition, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        var errors = definition.Validate();
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var unit = await db.Set<Unit>().Include(u => u.Exercises).SingleOrDefaultAsync(u => u.Id == unitId, ct);
        if (unit is null) return TypedResults.NotFound();
        if (unit.Exercises.Any(e => e.Number == definition.Number))
            return TypedResults.Problem($"the unit already has exercise {definition.Number}", statusCode: StatusCodes.Status409Conflict, title: "The exercise number is taken.");
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
}
