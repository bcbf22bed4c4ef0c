using Dojo.Storage;
using Serilog;

namespace Dojo.Worker;

/// <summary>
/// A worker process: trains the jobs of the device queues it offers, against the same storage as the
/// API (which then runs with Dojo__Worker__InProcess=false). Not a top-level program, so that its
/// entry point does not clash with the API's <c>Program</c> when the API hosts the worker in-process.
/// </summary>
public static class WorkerProgram
{
    public static void Main(string[] args) => Run(args);

    /// <summary>Runs a worker; <paramref name="configure"/> adds to it (a test's own job kind, registered with <c>AddJobKind</c>).</summary>
    public static void Run(string[] args, Action<IHostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        // The API migrates the schema; a worker waits for it (Dojo:ApplyMigrations=true makes one migrate itself).
        builder.Configuration.AddInMemoryCollection([new("Dojo:ApplyMigrations", "false")]);
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
        builder.Services.AddSerilog((services, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Hangfire", Serilog.Events.LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .WriteTo.Console());
        builder.AddDojoStorage();
        builder.AddDojoWorker();
        configure?.Invoke(builder);
        builder.Build().Run();
    }
}
