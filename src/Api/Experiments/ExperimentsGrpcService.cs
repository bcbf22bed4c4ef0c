using Dojo.Api.Jobs;
using Dojo.Api.People;
using Dojo.Protos.V1;
using Dojo.Storage;
using Grpc.Core;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Experiments;

/// <summary>
/// gRPC <c>dojo.v1.Experiments</c>: WatchExperiment follows every run as Jobs.WatchJob follows one job, all at
/// once, and interleaves their events on the one stream (writes are serialized), each tagged with its run.
/// </summary>
public sealed class ExperimentsGrpcService(IDbContextFactory<DojoDb> contexts, JobEventStream jobs) : Protos.V1.Experiments.ExperimentsBase
{
    public override async Task WatchExperiment(WatchExperimentRequest request, IServerStreamWriter<ExperimentEvent> stream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!Guid.TryParse(request.ExperimentId, out var id))
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"experiment_id '{request.ExperimentId}' is not a UUID"));
        var viewer = Viewer.From(context.GetHttpContext().User);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiment = await ExperimentsApi.Visible(db, viewer).SingleOrDefaultAsync(e => e.Id == id, ct)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"no experiment {id}"));

        using var writing = new SemaphoreSlim(1, 1);
        await Task.WhenAll(experiment.Runs.OrderBy(r => r.Index).Select(run => jobs.StreamAsync(run.JobId, 1, viewer, async e =>
        {
            await writing.WaitAsync(ct);
            try
            {
                await stream.WriteAsync(new ExperimentEvent { RunIndex = run.Index, Label = run.Label, JobId = run.JobId.ToString(), Event = e }, ct);
            }
            finally
            {
                writing.Release();
            }
        }, ct)));
    }
}
