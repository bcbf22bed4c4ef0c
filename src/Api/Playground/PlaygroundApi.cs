using Dojo.Api.People;
using Dojo.Domain.Exercises;
using Dojo.Domain.Kinds.Playground;
using Dojo.Domain.Playground;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Playground;

/// <summary>A playground URL to read, and the number of epochs to train it for (a URL carries none).</summary>
public sealed record ParsePlaygroundRequest(string Url, int Epochs = 500);

/// <summary>The URL per data set to grade: <c>{ "urls": { "xor": "...", "spiral": "..." } }</c>.</summary>
public sealed record GradePlaygroundRequest(IReadOnlyDictionary<string, string> Urls);

/// <summary>
/// What the URL says (<c>state</c>); <c>exact</c>, the job that runs it as the page does (the page's algorithm in float64,
/// what exercise 1 is graded by); <c>spec</c>, the same setting as a TorchSharp job to take further (other optimizers,
/// layers, devices), or null where TorchSharp cannot train it (the notes say why); and how <c>spec</c> may differ from the page.
/// </summary>
public sealed record ParsePlaygroundResponse(PlaygroundSite Site, PlaygroundState State, PlaygroundJobSpec Exact, JobSpec? Spec, IReadOnlyList<string> Notes);

public static class PlaygroundApi
{
    public static IEndpointRouteBuilder MapPlaygroundApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/playground").WithTags("Playground");
        api.MapPost("/parse", Parse).WithName("ParsePlaygroundUrl")
            .WithSummary("Read a TensorFlow Playground (or DeepInsider fork) URL into a job spec");
        api.MapPost("/gradings", StartGradingAsync).WithName("StartPlaygroundGrading").RequireRateLimiting(Extensions.RateLimits.Submit)
            .WithSummary("Grade exercise 1: train each data set's URL (xor, spiral) with several seeds");
        api.MapGet("/gradings/{id:guid}", GetGradingAsync).WithName("GetPlaygroundGrading")
            .WithSummary("A grading's jobs and, once they have ended, its verdict per data set");
        return app;
    }

    private static async Task<Results<Created<GradingDto>, ValidationProblem, ProblemHttpResult>> StartGradingAsync(
        GradePlaygroundRequest request, Viewer viewer, PlaygroundGrader grader, CancellationToken ct)
    {
        var started = await grader.StartAsync(PlaygroundGradingRule.Exercise1, request.Urls, viewer, ct);
        if (started.LimitReached is { } limit) return TooManyJobs(limit);
        if (started.Grading is null) return TypedResults.ValidationProblem(started.Errors);
        return TypedResults.Created($"/api/playground/gradings/{started.Grading.Id}", await grader.ReadAsync(started.Grading.Id, ct));
    }

    private static async Task<Results<Ok<GradingDto>, NotFound>> GetGradingAsync(Guid id, Viewer viewer, PlaygroundGrader grader, CancellationToken ct) =>
        await grader.ReadAsync(id, ct, viewer) is { } grading ? TypedResults.Ok(grading) : TypedResults.NotFound();

    private static Results<Ok<ParsePlaygroundResponse>, ValidationProblem> Parse(ParsePlaygroundRequest request, IOptions<SpecLimits> limits)
    {
        var exact = new PlaygroundJobSpec { Url = request.Url ?? "", Training = new PageTraining { Epochs = request.Epochs } };
        var problems = exact.Validate(limits.Value);
        if (problems.Count > 0)
            return TypedResults.ValidationProblem(problems.ToDictionary(e => e.Key == "training.epochs" ? "epochs" : e.Key, e => e.Value),
                title: "The URL's setting cannot be trained as it is.");
        var state = exact.State();
        var notes = new List<string>();
        JobSpec? spec = null;
        try
        {
            var result = PlaygroundSpec.ToJobSpec(state, request.Epochs);
            var errors = result.Spec.Validate(limits.Value);
            if (errors.Count == 0) (spec, notes) = (result.Spec, [.. result.Notes]);
            else notes.Add("no TorchSharp spec: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        catch (PlaygroundUrlException ex)
        {
            notes.Add($"no TorchSharp spec: {ex.Message}");
        }
        return TypedResults.Ok(new ParsePlaygroundResponse(state.Site, state, exact, spec, notes));
    }
}
