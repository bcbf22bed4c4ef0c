using Dojo.Domain.Kinds.Dqn;
using Dojo.Domain.Kinds.Forecast;
using Dojo.Domain.Kinds.Gan;
using Dojo.Domain.Kinds.LanguageModel;
using Dojo.Domain.Kinds.Playground;
using Dojo.Domain.Kinds.Seq2Seq;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Jobs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Dqn;
using Dojo.Worker.Training.Forecast;
using Dojo.Worker.Training.Gan;
using Dojo.Worker.Training.LanguageModel;
using Dojo.Worker.Training.Playground;
using Dojo.Worker.Training.Seq2Seq;
using Dojo.Worker.Training.Supervised;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dojo.Worker;

public static class WorkerExtensions
{
    /// <summary>The job queue: enough to enqueue (the API without an in-process worker needs only this).</summary>
    public static IHostApplicationBuilder AddDojoJobQueue(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection(WorkerOptions.Section));
        builder.Services.Configure<SpecLimits>(builder.Configuration.GetSection("Dojo:Limits"));
        builder.AddDojoHangfireClient();
        builder.Services.AddSingleton<JobQueue>();
        builder.AddDojoJobKinds();
        return builder;
    }

    /// <summary>
    /// The job kinds, one line each: the spec's kind name and the trainer that runs it. Every process that takes or
    /// reads jobs knows them; only a worker's Hangfire server ever asks for a trainer.
    /// </summary>
    public static IHostApplicationBuilder AddDojoJobKinds(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<DeviceResolver>(); // what trainers are made with
        builder.Services.AddJobKind<SupervisedSpec, SupervisedTrainer, SupervisedModel.Loader>(JobKinds.Supervised);
        builder.Services.AddJobKind<ForecastSpec, ForecastTrainer, ForecastModel.Loader>(JobKinds.Forecast);
        builder.Services.AddJobKind<LanguageModelSpec, LanguageModelTrainer, TrainedLanguageModel.Loader>(JobKinds.LanguageModel);
        builder.Services.AddJobKind<Seq2SeqSpec, Seq2SeqTrainer, TrainedSeq2Seq.Loader>(JobKinds.Seq2Seq);
        builder.Services.AddJobKind<GanSpec, GanTrainer, TrainedGan.Loader>(JobKinds.Gan);
        builder.Services.AddJobKind<DqnSpec, DqnTrainer, TrainedDqn.Loader>(JobKinds.Dqn);
        builder.Services.AddJobKind<PlaygroundJobSpec, PlaygroundTrainer>(JobKinds.Playground);
        return builder;
    }

    /// <summary>A worker: the TorchSharp check, a Hangfire server on the device queues that runs the kinds' trainers, heartbeat and lease reaper.</summary>
    public static IHostApplicationBuilder AddDojoWorker(this IHostApplicationBuilder builder)
    {
        builder.AddDojoJobQueue();
        builder.Services.AddHostedService<TorchRuntime>();
        builder.Services.AddTransient<TrainingJob>();
        builder.Services.AddHostedService<SingleServerGuard>();
        builder.Services.AddSingleton<WorkerMaintenance>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WorkerMaintenance>());
        builder.Services.AddHangfireServer((services, server) =>
        {
            var options = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var devices = services.GetRequiredService<WorkerMaintenance>().OfferedDevices;
            server.ServerName = options.ResolvedName;
            server.WorkerCount = Math.Max(1, options.Slots);
            server.Queues = devices.Select(d => DeviceName.TryParse(d)?.Queue ?? d).Distinct().ToArray();
            server.CancellationCheckInterval = TimeSpan.FromMilliseconds(500);
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });
        return builder;
    }

    /// <summary>
    /// A job kind: its spec's name in JSON (<c>"kind": "<paramref name="name"/>"</c>) and the trainer that runs it.
    /// One line per kind; the job machinery (claim, lease, checkpoints, results, watch) needs nothing else.
    /// </summary>
    public static IServiceCollection AddJobKind<TSpec, TTrainer>(this IServiceCollection services, string name)
        where TSpec : JobSpec where TTrainer : class, ITrainer
    {
        JobKinds.Register<TSpec>(name);
        services.AddKeyedSingleton<ITrainer, TTrainer>(name);
        return services;
    }

    /// <summary>A job kind whose finished jobs answer requests (predict, forecast, generate): its loader beside its trainer.</summary>
    public static IServiceCollection AddJobKind<TSpec, TTrainer, TLoader>(this IServiceCollection services, string name)
        where TSpec : JobSpec where TTrainer : class, ITrainer where TLoader : class, ITrainedJobLoader
    {
        services.AddKeyedSingleton<ITrainedJobLoader, TLoader>(name);
        return services.AddJobKind<TSpec, TTrainer>(name);
    }
}
