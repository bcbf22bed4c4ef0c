using Microsoft.AspNetCore.Http.HttpResults;

namespace Dojo.Api.Extensions;

public static class Problems
{
    /// <summary>A 400 ValidationProblem naming one field and what is wrong with it.</summary>
    public static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
