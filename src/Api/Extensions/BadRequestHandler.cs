using System.Text.Json;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Dojo.Api.Extensions;

/// <summary>
/// Turns a request the framework could not bind — malformed JSON, a wrong type, an unknown enum value,
/// a misspelt property, a body over the size limit — into a ProblemDetails naming the JSON path of the
/// offending value (<c>network.layers[1].function</c>), never a 500. Bodies that endpoints read themselves
/// (predictions, multipart uploads) get the same treatment.
/// </summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        // The framework's binding failures, and JSON an endpoint reads itself (predictions) that does not parse.
        // (Forms: FormReading.ReadFormCheckedAsync turns a broken multipart body into a BadHttpRequestException.)
        var (status, json) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.InnerException as JsonException),
            JsonException parse => (StatusCodes.Status400BadRequest, parse),
            _ => (0, null),
        };
        if (status == 0 || context.Response.HasStarted) return false;
        var (field, message) = json is not null ? RequestWords.Json(json)
            : exception is BadHttpRequestException unread ? RequestWords.Request(unread) : ("body", exception.Message);
        context.Response.StatusCode = status;
        var details = new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    /// <summary>"$.network.layers[1].function" → "network.layers[1].function"; "$" → "body".</summary>
    public static string FieldOf(string jsonPath) => jsonPath is "$" or "" ? "body" : jsonPath.StartsWith("$.") ? jsonPath[2..] : jsonPath.TrimStart('$');
}
