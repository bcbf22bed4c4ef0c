using Dojo.Api.People;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Dojo.Api.Extensions;

/// <summary>
/// The OpenAPI document says what a caller meets before an endpoint's own answer: the bearer token every call needs
/// (so the /docs page can send one), and the refusals Dojo's machinery makes — 401 without a valid token, 403 where
/// only instructors may, 404 for an id that is not there or not the caller's, 409 for an action the thing's state
/// does not allow, 413 for a body over the limit, 429 over a rate limit (with Retry-After).
/// </summary>
public static class OpenApiSecurity
{
    public const string Scheme = "bearer";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A Dojo token (dojo_…): the first instructor's is printed at the first start; instructors issue the others.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [] }];
            operation.Responses ??= new OpenApiResponses();
            void Add(int status, string description) => operation.Responses.TryAdd(status.ToString(), new OpenApiResponse { Description = description });
            Add(401, "No token, or one that is unknown, revoked, or of a deactivated user (WWW-Authenticate: Bearer).");
            if (metadata.OfType<IAuthorizeData>().Any(a => a.Policy == Policies.Instructor)) Add(403, "Instructors only.");
            string route = context.Description.RelativePath ?? "";
            string method = context.Description.HttpMethod ?? "GET";
            if (route.Contains('{')) Add(404, "Nothing by that id that the caller may see (another student's things answer 404 too).");
            if (route.Contains('{') && method is "POST" or "PUT" or "PATCH" or "DELETE")
                Add(409, "The thing's state does not allow this (a job that has not succeeded, a grading still running, …).");
            if (method is "POST" or "PUT" or "PATCH") Add(413, "The body is over the configured limit (Dojo:Limits).");
            if (metadata.OfType<EnableRateLimitingAttribute>().Any()) Add(429, "Over this token's rate limit (Dojo:RateLimits); Retry-After says when to try again.");
            return Task.CompletedTask;
        });
    }
}
