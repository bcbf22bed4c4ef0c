using Dojo.Api.People;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Specs;

/// <summary>A named spec to save: <c>{ "name": "...", "spec": { ... } }</c>; an instructor may publish it for everybody.</summary>
public sealed record SaveSpecRequest<T>(string Name, T Spec, bool Published = false);

public sealed record SavedSpecDto<T>(Guid Id, string Name, Guid? OwnerId, bool Published, DateTime CreatedAt, T Spec);

/// <summary>
/// Saved networks, optimizers and data sets, which jobs reference by id (<c>networkId</c> …). Each is its owner's:
/// a student sees and uses their own and the published ones; instructors see all and publish.
/// </summary>
public static class SpecsApi
{
    public static IEndpointRouteBuilder MapSpecsApi(this IEndpointRouteBuilder app)
    {
        // What can be checked without the rest of a job: a network's layers (not their fit to an input), an optimizer, a data set.
        MapSaved<NetworkSpec>(app, "/api/networks", SpecKind.Network, "Networks",
            (spec, limits, errors) => NetworkChecks.CheckLayers(spec, limits, errors, "spec"));
        MapSaved<OptimizerSpec>(app, "/api/optimizers", SpecKind.Optimizer, "Optimizers",
            (spec, _, errors) => spec.Validate(errors, "spec"));
        MapSaved<DatasetSpec>(app, "/api/datasets", SpecKind.Dataset, "Datasets",
            (spec, limits, errors) => spec.Validate(limits, errors, "spec"));
        return app;
    }

    private static void MapSaved<T>(IEndpointRouteBuilder app, string route, SpecKind kind, string tag, Action<T, SpecLimits, ValidationErrors> validate) where T : class
    {
        var api = app.MapGroup(route).WithTags(tag);
        api.MapPost("/", async Task<Results<Created<SavedSpecDto<T>>, ValidationProblem, ProblemHttpResult>> (
            SaveSpecRequest<T> request, Viewer viewer, IDbContextFactory<DojoDb> contexts, IOptions<SpecLimits> limits, TimeProvider clock, CancellationToken ct) =>
        {
            if (request.Published && !viewer.IsInstructor)
                return TypedResults.Problem("only instructors publish saved specs; yours is saved for you alone", statusCode: StatusCodes.Status403Forbidden);
            var errors = new ValidationErrors();
            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) errors.Add("name", "must be 1 to 200 characters");
            if (request.Spec is null) errors.Add("spec", "is required");
            else validate(request.Spec, limits.Value, errors);
            if (errors.Count > 0) return TypedResults.ValidationProblem(errors.ToDictionary());
            var saved = SavedSpec.Create(kind, request.Name, SpecJson.Serialize(request.Spec), viewer.UserId, request.Published, clock.GetUtcNow().UtcDateTime);
            await using var db = await contexts.CreateDbContextAsync(ct);
            db.SavedSpecs.Add(saved);
            await db.SaveChangesAsync(ct);
            return TypedResults.Created($"{route}/{saved.Id}", ToDto<T>(saved));
        }).WithName($"Save{kind}").WithSummary($"Save a named {kind.ToString().ToLowerInvariant()} spec");

        api.MapGet("/", async (Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct) =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var all = await db.SavedSpecs.AsNoTracking().VisibleTo(viewer).Where(s => s.Kind == kind).OrderBy(s => s.Name).ToListAsync(ct);
            return TypedResults.Ok(all.Select(ToDto<T>).ToList());
        }).WithName($"List{kind}s").WithSummary($"List saved {kind.ToString().ToLowerInvariant()} specs");

        api.MapGet("/{id:guid}", async Task<Results<Ok<SavedSpecDto<T>>, NotFound>> (Guid id, Viewer viewer, IDbContextFactory<DojoDb> contexts, CancellationToken ct) =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var saved = await db.SavedSpecs.AsNoTracking().VisibleTo(viewer).SingleOrDefaultAsync(s => s.Id == id && s.Kind == kind, ct);
            return saved is null ? TypedResults.NotFound() : TypedResults.Ok(ToDto<T>(saved));
        }).WithName($"Get{kind}").WithSummary($"A saved {kind.ToString().ToLowerInvariant()} spec");
    }

    private static SavedSpecDto<T> ToDto<T>(SavedSpec saved) =>
        new(saved.Id, saved.Name, saved.OwnerId, saved.Published, saved.CreatedAt, SpecJson.DeserializeStored<T>(saved.Json));

    /// <summary>The saved specs <paramref name="viewer"/> may see and use: all for an instructor; their own and the published ones for a student.</summary>
    public static IQueryable<SavedSpec> VisibleTo(this IQueryable<SavedSpec> specs, Viewer viewer) =>
        viewer.IsInstructor ? specs : specs.Where(s => s.Published || s.OwnerId == viewer.UserId);
}
