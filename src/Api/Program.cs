using Dojo.Api.Datasets;
using Dojo.Api.Exercises;
using Dojo.Api.Experiments;
using Dojo.Api.Extensions;
using Dojo.Api.Jobs;
using Dojo.Api.People;
using Dojo.Api.Playground;
using Dojo.Api.Specs;
using Dojo.Storage;

// Settings come from the build output (appsettings.json beside the dll) wherever it is started from;
// relative paths in them (Dojo:DataDirectory) are against the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args is ["backup", _] or ["migrate"] ? [] : args, ContentRootPath = AppContext.BaseDirectory });

// `backup <folder>`: a copy of the data directory while Dojo runs (see DataBackup), then exit.
if (args is ["backup", var folder])
{
    Console.WriteLine(DataBackup.Run(builder.Configuration.GetSection(DojoOptions.Section).Get<DojoOptions>() ?? new DojoOptions(), folder));
    return 0;
}

// `migrate`: bring the database's schema up to date, then exit (for deployments that run it as its own step).
if (args is ["migrate"])
{
    builder.AddDojoStorage();
    using var host = builder.Build();
    await DatabaseSchema.MigrateAsync(host.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<DojoDb>>(),
        host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DojoOptions>>().Value, CancellationToken.None);
    Console.WriteLine("The database schema is up to date.");
    return 0;
}

builder.AddDojoObservability();
builder.AddDojoStorage();
builder.AddDojoJobs();
builder.AddDojoApiSurface();
builder.AddDojoPeople();
builder.AddDojoCourses();
builder.AddDojoRateLimits();

var app = builder.Build();

app.UseDojoObservability();
app.UseDojoApiSurface();
app.UseDojoPeople();
app.UseRateLimiter();
app.MapPeopleApi();
app.MapJobsApi();
app.MapSpecsApi();
app.MapDatasetsApi();
app.MapExperimentsApi();
app.MapPlaygroundApi();
app.MapCoursesApi();
app.MapSubmissionsApi();
app.MapProgressApi();
app.MapGrpcService<JobsGrpcService>();
app.MapGrpcService<ExperimentsGrpcService>();
app.MapGrpcReflectionService().AllowAnonymous();

app.Run();
return 0;

/// <summary>The API's entry point, public for WebApplicationFactory in tests.</summary>
public partial class Program;
