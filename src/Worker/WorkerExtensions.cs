using Dojo.Storage;
using Dojo.Worker.Jobs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Supervised;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dojo.Worker;

public static class WorkerExtensions
{
    /// <summary>The job queue: enough to enqueue (the API without an in-process worker needs only this).</summary>
    public static IHostApplicationBuilder AddDojoJobQueue(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection(WorkerOptions.Section));
        builder.AddDojoHangfireClient();
        builder.Services.AddSingleton<JobQueue>();
        return builder;
    }

    /// <summary>A worker: the TorchSharp check, the trainers, a Hangfire server on the device queues, heartbeat and lease reaper.</summary>
    public static IHostApplicationBuilder AddDojoWorker(this IHostApplicationBuilder builder)
    {
        builder.AddDojoJobQueue();
        builder.Services.AddHostedService<TorchRuntime>();
        builder.Services.AddSingleton<DeviceResolver>();
        builder.Services.AddKeyedSingleton<ITrainer, SupervisedTrainer>(TrainerKinds.Supervised);
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
            server.Queues = devices.Select(d => Domain.Specs.DeviceName.TryParse(d)?.Queue ?? d).Distinct().ToArray();
            server.CancellationCheckInterval = TimeSpan.FromMilliseconds(500);
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });
        return builder;
    }
}
