using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Dojo.Api.Extensions;

/// <summary>
/// Turns a request the framework could not bind — malformed JSON, a wrong type, an unknown enum value,
/// a misspelt property, a body over the size limit — into a ProblemDetails naming the JSON path of the
/// offending value (<c>network.layers[1].function</c>), never a 500. Bodies that endpoints read themselves
/// (predictions, multipart uploads) get the same treatment.
/// </summary>
public sealed partial class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        // JSON an endpoint reads itself (predictions) that does not parse. (Forms: FormReading.ReadFormCheckedAsync.)
        if (exception is JsonException && !context.Response.HasStarted)
        {
            string where = exception is JsonException { Path: { } jsonPath } ? FieldOf(jsonPath) : "body";
            string reason = PathSuffix().Replace(exception.Message, "");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ValidationProblemDetails(new Dictionary<string, string[]> { [where] = [reason] })
                    { Status = 400, Title = "The request could not be read." },
                Exception = exception,
            });
        }
        if (exception is not BadHttpRequestException bad) return false;
        var json = bad.InnerException as JsonException ?? exception as JsonException;
        string field = json?.Path is { } path ? FieldOf(path) : "body";
        string message = json is not null ? PathSuffix().Replace(json.Message, "") : bad.Message;
        context.Response.StatusCode = bad.StatusCode;
        var details = new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = bad.StatusCode,
            Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : "The request could not be read.",
        };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details, Exception = exception });
    }

    /// <summary>"$.network.layers[1].function" → "network.layers[1].function"; "$" → "body".</summary>
    public static string FieldOf(string jsonPath) => jsonPath is "$" or "" ? "body" : jsonPath.StartsWith("$.") ? jsonPath[2..] : jsonPath.TrimStart('$');

    [GeneratedRegex(@"\s*Path: \$.*$", RegexOptions.Singleline)]
    private static partial Regex PathSuffix();
}
