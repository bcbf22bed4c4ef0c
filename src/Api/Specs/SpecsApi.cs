using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Specs;

/// <summary>A named spec to save: <c>{ "name": "...", "spec": { ... } }</c>.</summary>
public sealed record SaveSpecRequest<T>(string Name, T Spec);

public sealed record SavedSpecDto<T>(Guid Id, string Name, DateTime CreatedAt, T Spec);

/// <summary>Saved networks, optimizers and data sets, which jobs reference by id (<c>networkId</c> …).</summary>
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
        api.MapPost("/", async Task<Results<Created<SavedSpecDto<T>>, ValidationProblem>> (
            SaveSpecRequest<T> request, IDbContextFactory<DojoDb> contexts, IOptions<SpecLimits> limits, TimeProvider clock, CancellationToken ct) =>
        {
            var errors = new ValidationErrors();
            if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) errors.Add("name", "must be 1 to 200 characters");
            if (request.Spec is null) errors.Add("spec", "is required");
            else validate(request.Spec, limits.Value, errors);
            if (errors.Count > 0) return TypedResults.ValidationProblem(errors.ToDictionary());
            var saved = SavedSpec.Create(kind, request.Name, SpecJson.Serialize(request.Spec), clock.GetUtcNow().UtcDateTime);
            await using var db = await contexts.CreateDbContextAsync(ct);
            db.SavedSpecs.Add(saved);
            await db.SaveChangesAsync(ct);
            return TypedResults.Created($"{route}/{saved.Id}", ToDto<T>(saved));
        }).WithName($"Save{kind}").WithSummary($"Save a named {kind.ToString().ToLowerInvariant()} spec");

        api.MapGet("/", async (IDbContextFactory<DojoDb> contexts, CancellationToken ct) =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var all = await db.SavedSpecs.AsNoTracking().Where(s => s.Kind == kind).OrderBy(s => s.Name).ToListAsync(ct);
            return TypedResults.Ok(all.Select(ToDto<T>).ToList());
        }).WithName($"List{kind}s").WithSummary($"List saved {kind.ToString().ToLowerInvariant()} specs");

        api.MapGet("/{id:guid}", async Task<Results<Ok<SavedSpecDto<T>>, NotFound>> (Guid id, IDbContextFactory<DojoDb> contexts, CancellationToken ct) =>
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var saved = await db.SavedSpecs.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.Kind == kind, ct);
            return saved is null ? TypedResults.NotFound() : TypedResults.Ok(ToDto<T>(saved));
        }).WithName($"Get{kind}").WithSummary($"A saved {kind.ToString().ToLowerInvariant()} spec");
    }

    private static SavedSpecDto<T> ToDto<T>(SavedSpec saved) => new(saved.Id, saved.Name, saved.CreatedAt, SpecJson.DeserializeStored<T>(saved.Json));
}
