using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Http.Json;
using Scalar.AspNetCore;

namespace Dojo.Api.Extensions;

/// <summary>JSON as in the specs, ProblemDetails for every error, OpenAPI with an interactive page, gRPC with reflection.</summary>
public static class ApiSurfaceExtensions
{
    public static WebApplicationBuilder AddDojoApiSurface(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(options => SpecJson.Configure(options.SerializerOptions));
        // Binding failures (malformed JSON, an unknown enum value) throw, so BadRequestHandler can name the field.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddGrpc();
        builder.Services.AddGrpcReflection();
        return builder;
    }

    public static WebApplication UseDojoApiSurface(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapScalarApiReference("/docs");
        return app;
    }
}
