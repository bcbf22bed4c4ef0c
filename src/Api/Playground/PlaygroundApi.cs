using Dojo.Domain.Playground;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Dojo.Api.Playground;

/// <summary>A playground URL to read, and the number of epochs to train it for (a URL carries none).</summary>
public sealed record ParsePlaygroundRequest(string Url, int Epochs = 500);

/// <summary>What the URL says (<c>state</c>), the job spec that trains that setting, and how it may differ from the page.</summary>
public sealed record ParsePlaygroundResponse(PlaygroundSite Site, PlaygroundState State, JobSpec Spec, IReadOnlyList<string> Notes);

public static class PlaygroundApi
{
    public static IEndpointRouteBuilder MapPlaygroundApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/playground").WithTags("Playground");
        api.MapPost("/parse", Parse).WithName("ParsePlaygroundUrl")
            .WithSummary("Read a TensorFlow Playground (or DeepInsider fork) URL into a job spec");
        return app;
    }

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
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["url"] = [ex.Message] });
        }
        var errors = SpecValidator.Validate(result.Spec, limits.Value);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key == "training.epochs" ? "epochs" : $"url ({e.Key})", e => e.Value),
                title: "The URL's setting cannot be trained as it is.");
        return TypedResults.Ok(new ParsePlaygroundResponse(state.Site, state, result.Spec, result.Notes));
    }
}
