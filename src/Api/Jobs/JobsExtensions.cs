using Dojo.Domain.Specs;
using Dojo.Worker;

namespace Dojo.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>Job submission and watching; the worker in-process unless <c>Dojo:Worker:InProcess</c> is false.</summary>
    public static WebApplicationBuilder AddDojoJobs(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<WatchOptions>(builder.Configuration.GetSection(WatchOptions.Section));
        builder.Services.AddSingleton<JobSubmission>();
        builder.Services.AddSingleton<JobEventStream>();
        builder.Services.Configure<PredictionOptions>(builder.Configuration.GetSection(PredictionOptions.Section));
        builder.Services.AddSingleton<ModelCache>();
        builder.Services.Configure<CleanupOptions>(builder.Configuration.GetSection(CleanupOptions.Section));
        builder.Services.AddSingleton<JobRemoval>();
        builder.Services.AddSingleton<JobPredictor>();
        builder.Services.Configure<Playground.GradingOptions>(builder.Configuration.GetSection("Dojo:Grading"));
        builder.Services.AddSingleton<Playground.PlaygroundGrader>();
        builder.Services.AddHostedService<WatchedJobsPoller>();
        if (builder.Configuration.GetValue("Dojo:Worker:InProcess", defaultValue: true)) builder.AddDojoWorker();
        else builder.AddDojoJobQueue();
        return builder;
    }
}
