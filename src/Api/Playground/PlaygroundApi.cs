using Dojo.Api.People;
using Dojo.Domain.Exercises;
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

/// <summary>What the URL says (<c>state</c>), the job spec that trains that setting, and how it may differ from the page.</summary>
public sealed record ParsePlaygroundResponse(PlaygroundSite Site, PlaygroundState State, JobSpec Spec, IReadOnlyList<string> Notes);

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
        PlaygroundState state;
        PlaygroundSpec.Result result;
        try
        {
            state = PlaygroundState.Parse(request.Url);
            result = PlaygroundSpec.ToJobSpec(state, request.Epochs);
        }
        catch (PlaygroundUrlException ex)
        {
            return Invalid("url", ex.Message);
        }
        var errors = result.Spec.Validate(limits.Value);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key == "training.epochs" ? "epochs" : $"url ({e.Key})", e => e.Value),
                title: "The URL's setting cannot be trained as it is.");
        return TypedResults.Ok(new ParsePlaygroundResponse(state.Site, state, result.Spec, result.Notes));
    }
}
