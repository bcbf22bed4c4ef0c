using Dojo.Storage;
using Dojo.Worker;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Serilog;

namespace Dojo.Api.Extensions;

/// <summary>Serilog structured logs with request logging, and health endpoints.</summary>
public static class ObservabilityExtensions
{
    public static WebApplicationBuilder AddDojoObservability(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console());
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<WorkersHealthCheck>("workers", tags: ["ready"]);
        return builder;
    }

    public static WebApplication UseDojoObservability(this WebApplication app)
    {
        app.UseSerilogRequestLogging();
        // Liveness: the process answers. Readiness: the database answers and some worker is live.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).AllowAnonymous();
        return app;
    }

    private sealed class DatabaseHealthCheck(IDbContextFactory<DojoDb> contexts) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            return await db.Database.CanConnectAsync(ct)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("the database does not answer");
        }
    }

    private sealed class WorkersHealthCheck(JobStore store, IOptions<WorkerOptions> options) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var devices = await store.LiveDevicesAsync(TimeSpan.FromSeconds(options.Value.WorkerTimeoutSeconds), ct);
            return devices.Count > 0
                ? HealthCheckResult.Healthy($"devices: {string.Join(", ", devices)}")
                : HealthCheckResult.Unhealthy("no live worker");
        }
    }
}
