using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Scalar.AspNetCore;

namespace Dojo.Api.Extensions;

/// <summary>JSON as in the specs, ProblemDetails for every error, OpenAPI with an interactive page, gRPC with reflection.</summary>
public static class ApiSurfaceExtensions
{
    public static WebApplicationBuilder AddDojoApiSurface(this WebApplicationBuilder builder)
    {
        long maxBody = builder.Configuration.GetValue("Dojo:Limits:MaxRequestBodyBytes", 1L << 20);
        // A watch is a stream that lasts as long as its job: one client watching a class's jobs needs more than Kestrel's 100 at once.
        int maxStreams = builder.Configuration.GetValue("Dojo:Grpc:MaxStreamsPerConnection", 1000);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = maxBody;
            kestrel.Limits.Http2.MaxStreamsPerConnection = maxStreams;
        });
        builder.Services.Configure<JsonOptions>(options => SpecJson.Configure(options.SerializerOptions));
        // Binding failures (malformed JSON, an unknown enum value) throw, so BadRequestHandler can name the field.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddOpenApi(OpenApiSecurity.Configure);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton<GrpcRequestCheck>();
        builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication UseDojoApiSurface(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.Use(RefuseOversizedBodies);
        var unsupported = new UnsupportedMediaType(app.Services.GetRequiredService<EndpointDataSource>());
        app.Use(unsupported.InvokeAsync);
        app.Use(app.Services.GetRequiredService<GrpcRequestCheck>().InvokeAsync);
        // The web page (wwwroot: index.html at /): served to anyone, before authentication — it holds no data, and
        // every call it makes carries the token the person signs in with.
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();
        return app;
    }

    /// <summary>
    /// A declared body over the limit is a 413 ProblemDetails before anything reads it. The limit is the
    /// server's, or the endpoint's own where it declares one (uploads).
    /// </summary>
    private static async Task RefuseOversizedBodies(HttpContext context, RequestDelegate next)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } endpointLimit && feature is { IsReadOnly: false })
            feature.MaxRequestBodySize = endpointLimit.MaxRequestBodySize;
        long? limit = feature?.MaxRequestBodySize;
        if (limit is not null && context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 413, Title = "The request body is too large.", Detail = $"The limit is {limit} bytes (Dojo:Limits:MaxRequestBodyBytes; uploads: Dojo:Limits:MaxUploadBytes)." },
            });
            return;
        }
        await next(context);
    }
}
