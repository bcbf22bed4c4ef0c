using Dojo.Api.Extensions;
using Dojo.Domain.People;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.People;

public sealed record UserDto(Guid Id, string Name, Role Role, string? Number, DateTime CreatedAt, Guid? CourseId, bool Active, DateTime? DeactivatedAt)
{
    public static UserDto From(User u) => new(u.Id, u.Name, u.Role, u.Number, u.CreatedAt, u.CourseId, u.IsActive, u.DeactivatedAt);
}

public sealed record TokenDto(Guid Id, Guid UserId, string Hint, string? Label, DateTime CreatedAt, DateTime? RevokedAt)
{
    public static TokenDto From(ApiToken t) => new(t.Id, t.UserId, t.Hint, t.Label, t.CreatedAt, t.RevokedAt);
}

/// <summary>A new user or token with the token's text: the only time it is shown.</summary>
public sealed record IssuedTokenDto(UserDto User, TokenDto Token, string Secret);

/// <summary>A new user; a student is enrolled in <paramref name="CourseId"/>, or when it is left out and there is one course, in that one.</summary>
public sealed record CreateUserRequest(string Name, Role Role = Role.Student, string? Number = null, Guid? CourseId = null);

public sealed record EnrolRequest(Guid CourseId);

public sealed record CreateTokenRequest(string? Label = null);

/// <summary>
/// Users and their API tokens. Instructors manage everyone (enrol a student in a course, move them to another, deactivate
/// and reactivate them); a user may list, make and revoke their own tokens.
/// </summary>
public static class PeopleApi
{
    public static IEndpointRouteBuilder MapPeopleApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("People");
        api.MapGet("/me", MeAsync).WithName("Me").WithSummary("The caller");
        api.MapGet("/users", ListAsync).RequireAuthorization(Policies.Instructor).WithName("ListUsers").WithSummary("Everyone, by role then name");
        api.MapPost("/users", CreateAsync).RequireAuthorization(Policies.Instructor).WithName("CreateUser")
            .WithSummary("Add a student (or instructor); answers the new user's token, shown only this once");
        api.MapPost("/users/roster", ImportRosterAsync).RequireAuthorization(Policies.Instructor).WithName("ImportRoster")
            .WithSummary("Add students from a roster CSV (UTF-8; columns number,name or 学籍番号,氏名) to courseId (left out: the one course, if there is one); all or none; answers their tokens " +
                "(shown this once): JSON, or with format=csv a CSV to hand out (number,name,token; UTF-8 with BOM)")
            .Accepts<string>("text/csv", "text/plain", "multipart/form-data").DisableAntiforgery();
        api.MapPut("/users/{id:guid}/course", EnrolAsync).RequireAuthorization(Policies.Instructor).WithName("EnrolUser")
            .WithSummary("Enrol a student in a course, or move them from theirs; the submissions they made stay with their exercises");
        api.MapPost("/users/{id:guid}/deactivate", DeactivateAsync).RequireAuthorization(Policies.Instructor).WithName("DeactivateUser")
            .WithSummary("Stop a user's tokens at once; their jobs, submissions and grades stay");
        api.MapPost("/users/{id:guid}/reactivate", ReactivateAsync).RequireAuthorization(Policies.Instructor).WithName("ReactivateUser")
            .WithSummary("Let a deactivated user's tokens work again");
        api.MapGet("/users/{id:guid}/tokens", TokensAsync).WithName("ListTokens").WithSummary("A user's tokens (hints only)");
        api.MapPost("/users/{id:guid}/tokens", IssueAsync).WithName("CreateToken").WithSummary("A new token for a user, shown only this once");
        api.MapPost("/tokens/{id:guid}/revoke", RevokeAsync).WithName("RevokeToken").WithSummary("Revoke a token: it stops working at once");
        return app;
    }

    private static async Task<Ok<UserDto>> MeAsync(Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return TypedResults.Ok(UserDto.From(await db.Users.AsNoTracking().SingleAsync(u => u.Id == viewer.UserId, ct)));
    }

    private static async Task<Ok<List<UserDto>>> ListAsync(IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var users = await db.Users.AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(users.OrderBy(u => u.Role).ThenBy(u => u.Number, StringComparer.Ordinal).ThenBy(u => u.Name, StringComparer.Ordinal)
            .Select(UserDto.From).ToList());
    }

    private static async Task<Results<Created<IssuedTokenDto>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateUserRequest request, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        foreach (var (field, message) in User.Check(request.Name, request.Number)) errors.Add(field, message);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors.ToDictionary());
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (courseId, courseProblem) = request.Role == Role.Student ? await CourseForAsync(db, request.CourseId, ct) : (null, null);
        if (courseProblem is not null) return courseProblem;
        if (request.Number is { } number && await db.Users.AnyAsync(u => u.Number == number.Trim(), ct))
            return NumberTaken(number);

        var now = clock.GetUtcNow().UtcDateTime;
        var issued = Add(db, User.Create(request.Name, request.Role, request.Number, now, courseId), now);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException race) when (race.IsUniqueViolation())
        {
            return NumberTaken(request.Number!); // another request stored the number between the check and the insert
        }
        return TypedResults.Created($"/api/users/{issued.User.Id}", issued);
    }

    private static ProblemHttpResult NumberTaken(string number) => TypedResults.Problem(
        $"a user with number {number.Trim()} exists already", statusCode: StatusCodes.Status409Conflict, title: "The number is taken.");

    private static async Task<Results<Created<List<IssuedTokenDto>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> ImportRosterAsync(
        HttpRequest request, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct, string format = "json", Guid? courseId = null)
    {
        if (format is not ("json" or "csv")) return Invalid("format", "must be json or csv");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (course, courseProblem) = await CourseForAsync(db, courseId, ct);
        if (courseProblem is not null) return courseProblem;
        Stream body = request.Body;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormCheckedAsync(ct);
            if (form.Files.GetFile("file") is not { } file)
                return Invalid("file", "a multipart upload needs the roster as the part 'file'");
            body = file.OpenReadStream();
        }
        var (entries, errors) = await Roster.ReadAsync(body, ct);
        var numbers = entries.Where(e => e.Number is not null).Select(e => e.Number!).ToList();
        var taken = await db.Users.Where(u => u.Number != null && numbers.Contains(u.Number)).Select(u => u.Number!).ToListAsync(ct);
        foreach (var entry in entries.Where(e => e.Number is not null && taken.Contains(e.Number)))
            errors.Add($"roster[line {entry.Line}].number", $"a user with number {entry.Number} exists already");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors.ToDictionary(), title: "The roster was not imported; nothing was added.");

        var now = clock.GetUtcNow().UtcDateTime;
        var issued = entries.Select(e => Add(db, User.Create(e.Name, Role.Student, e.Number, now, course), now)).ToList();
        try
        {
            await db.SaveChangesAsync(ct); // one transaction: all of the roster or nothing
        }
        catch (DbUpdateException race) when (race.IsUniqueViolation())
        {
            return TypedResults.Problem("another request added a user with one of these numbers meanwhile; nothing was added",
                statusCode: StatusCodes.Status409Conflict, title: "A number is taken.");
        }
        return format == "csv"
            ? TypedResults.File(Roster.TokensCsv(issued.Select(i => (i.User.Number, i.User.Name, i.Secret))), "text/csv; charset=utf-8", "roster-tokens.csv")
            : TypedResults.Created("/api/users", issued);
    }

    /// <summary>
    /// The course a new student joins: the one named (it must exist and not be archived), or when none is named and there
    /// is exactly one course in use, that one; otherwise none yet (enrol them later with PUT /api/users/{id}/course).
    /// </summary>
    private static async Task<(Guid? CourseId, ValidationProblem? Problem)> CourseForAsync(DojoDb db, Guid? courseId, CancellationToken ct)
    {
        if (courseId is { } id)
        {
            var course = await db.Courses.AsNoTracking().Where(c => c.Id == id).Select(c => new { c.ArchivedAt }).SingleOrDefaultAsync(ct);
            if (course is null) return (null, Invalid("courseId", $"there is no course {id}"));
            if (course.ArchivedAt is not null) return (null, Invalid("courseId", "the course is archived; bring it back first (PATCH it with \"archived\": false)"));
            return (id, null);
        }
        var inUse = await db.Courses.AsNoTracking().Where(c => c.ArchivedAt == null).Select(c => c.Id).Take(2).ToListAsync(ct);
        return (inUse.Count == 1 ? inUse[0] : null, null);
    }

    private static async Task<IResult> EnrolAsync(Guid id, EnrolRequest request, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return TypedResults.NotFound();
        if (user.Role != Role.Student) return Invalid("id", "only students are enrolled in a course; instructors see every course");
        var (courseId, problem) = await CourseForAsync(db, request.CourseId, ct);
        if (problem is not null) return problem;
        user.Enrol(courseId!.Value);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(UserDto.From(user));
    }

    private static Task<IResult> DeactivateAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct) =>
        id == viewer.UserId
            ? Task.FromResult<IResult>(TypedResults.Problem("you cannot deactivate yourself; another instructor can", statusCode: StatusCodes.Status409Conflict))
            : ChangeUserAsync(id, contexts, u => u.Deactivate(clock.GetUtcNow().UtcDateTime), ct);

    private static Task<IResult> ReactivateAsync(Guid id, IDbContextFactory<DojoDb> contexts, CancellationToken ct) =>
        ChangeUserAsync(id, contexts, u => u.Reactivate(), ct);

    private static async Task<IResult> ChangeUserAsync(Guid id, IDbContextFactory<DojoDb> contexts, Action<User> change, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return TypedResults.NotFound();
        change(user);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(UserDto.From(user));
    }

    private static async Task<Results<Ok<List<TokenDto>>, NotFound>> TokensAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct)
    {
        if (!viewer.CanSee(id)) return TypedResults.NotFound();
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (!await db.Users.AnyAsync(u => u.Id == id, ct)) return TypedResults.NotFound();
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.UserId == id).OrderBy(t => t.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(tokens.Select(TokenDto.From).ToList());
    }

    private static async Task<Results<Created<IssuedTokenDto>, NotFound, ValidationProblem>> IssueAsync(
        Guid id, CreateTokenRequest? request, Viewer viewer, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        if (!viewer.CanSee(id)) return TypedResults.NotFound();
        if (request?.Label is { Length: > 100 })
            return Invalid("label", "must be at most 100 characters");
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user is null) return TypedResults.NotFound();
        var now = clock.GetUtcNow().UtcDateTime;
        var (token, secret) = ApiToken.Issue(user.Id, request?.Label, now);
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/users/{id}/tokens", new IssuedTokenDto(UserDto.From(user), TokenDto.From(token), secret));
    }

    private static async Task<Results<Ok<TokenDto>, NotFound>> RevokeAsync(Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, TimeProvider clock, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == id, ct);
        if (token is null || !viewer.CanSee(token.UserId)) return TypedResults.NotFound();
        if (token.Revoke(clock.GetUtcNow().UtcDateTime)) await db.SaveChangesAsync(ct);
        return TypedResults.Ok(TokenDto.From(token));
    }

    private static IssuedTokenDto Add(DojoDb db, User user, DateTime now)
    {
        var (token, secret) = ApiToken.Issue(user.Id, "issued with the account", now);
        db.Users.Add(user);
        db.ApiTokens.Add(token);
        return new IssuedTokenDto(UserDto.From(user), TokenDto.From(token), secret);
    }
}
