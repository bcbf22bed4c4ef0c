using Microsoft.AspNetCore.Http.HttpResults;

namespace Dojo.Api.Extensions;

public static class Problems
{
    /// <summary>A 400 ValidationProblem naming one field and what is wrong with it.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A 429: the student has as many jobs (or runs of gradings and experiments) active as they may.</summary>
    public static ProblemHttpResult TooManyJobs(string why) =>
        TypedResults.Problem(why, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many jobs at once.");
}
