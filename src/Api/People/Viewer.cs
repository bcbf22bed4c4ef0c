using System.Security.Claims;
using Dojo.Domain.People;

namespace Dojo.Api.People;

/// <summary>
/// Who is calling, from the authenticated token: endpoints take it as a parameter and ask it what the
/// caller may see. Students see their own jobs, gradings and submissions; instructors see everything.
/// </summary>
public sealed record Viewer(Guid UserId, string Name, Role Role)
{
    public bool IsInstructor => Role == Role.Instructor;

    /// <summary>May this viewer see something owned by <paramref name="ownerId"/>? (Others' things answer 404, as if absent.)</summary>
    public bool CanSee(Guid ownerId) => IsInstructor || ownerId == UserId;

    public static Viewer From(ClaimsPrincipal user) => new(
        Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("the endpoint allows anonymous callers")),
        user.FindFirstValue(ClaimTypes.Name) ?? "",
        Enum.Parse<Role>(user.FindFirstValue(ClaimTypes.Role)!));

    /// <summary>Minimal-API binding: an endpoint parameter of type <see cref="Viewer"/> is the caller.</summary>
    public static ValueTask<Viewer?> BindAsync(HttpContext context) => ValueTask.FromResult<Viewer?>(From(context.User));
}
