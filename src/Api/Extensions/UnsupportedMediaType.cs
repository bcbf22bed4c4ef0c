using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace Dojo.Api.Extensions;

/// <summary>
/// A request whose route and method an endpoint takes, but not its body's type, is a 415 naming the types it takes.
/// ASP.NET's routing answers 404 when such an endpoint shares its route with a GET (<c>POST /api/jobs</c> beside
/// <c>GET /api/jobs</c>): its content-type policy leaves no endpoint, and nothing says why. This looks again, by path
/// and method alone, only for requests that found no endpoint.
/// </summary>
public sealed class UnsupportedMediaType(EndpointDataSource endpoints)
{
    private readonly Lazy<IReadOnlyList<(TemplateMatcher Path, IReadOnlyList<string> Methods, IReadOnlyList<string> Accepts)>> _bodies = new(() =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.Count > 0)
            .Select(e => (new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText ?? "/"), new RouteValueDictionary()),
                e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [], e.Metadata.GetMetadata<IAcceptsMetadata>()!.ContentTypes))
            .ToList());

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is null && context.Request.ContentType is { Length: > 0 }
            && _bodies.Value.FirstOrDefault(e => e.Methods.Contains(context.Request.Method) && e.Path.TryMatch(context.Request.Path, [])) is { Accepts: { } accepts })
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 415, Title = "Unsupported Media Type", Detail = $"the body is {context.Request.ContentType}; this endpoint takes {string.Join(", ", accepts.Distinct())}" },
            });
            return;
        }
        await next(context);
    }
}
