using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Playground;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Dojo.Worker.Jobs;
using Dojo.Worker.Training.Playground;
using Dojo.Worker.Training.Supervised;
using Microsoft.EntityFrameworkCore;
using static Dojo.Api.Extensions.Problems;

namespace Dojo.Api.Jobs;

/// <summary>
/// <c>plots/boundary.png</c>: a 2-D job's decision boundary with its training and test points. A supervised job on a
/// playground data set is drawn from its trained weights once it has succeeded, and while it trains from its latest
/// checkpoint (so a page can redraw it as the playground does); <c>epoch</c> picks one of those two — the only
/// weights a job keeps. An exact playground run keeps the page's own picture when it ends. The epoch drawn is in the
/// <c>Dojo-Epoch</c> header.
/// </summary>
public static class JobBoundary
{
    public const string EpochHeader = "Dojo-Epoch";

    public static async Task<IResult> RenderAsync(DojoDb db, Job job, int? epoch, JobFiles files, HttpResponse response, CancellationToken ct)
    {
        var spec = SpecJson.DeserializeStored<JobSpec>(job.SpecJson);
        if (spec is PlaygroundJobSpec exact)
        {
            var kept = epoch is { } asked && asked != exact.Training.Epochs ? null : await files.ReadAllBytesAsync(JobFiles.File(job.Id, BoundaryPicture.Name), ct);
            if (kept is null) return NotKept(job, epoch, "an exact playground run draws its picture once, when it ends");
            return Picture(response, exact.Training.Epochs, kept);
        }
        if (spec is not SupervisedSpec supervised || !DecisionBoundary.Applies(spec))
            return Invalid("kind", "a decision boundary needs a supervised job on a playground data set (points of the plane)");

        // The checkpoint is replaced as the job trains: read the row again if the one it named has just gone.
        for (int tries = 0; ; tries++)
        {
            if (job.State == JobState.Succeeded && (epoch is null || epoch == supervised.Training.Epochs))
            {
                var weights = await files.ReadAllBytesAsync(JobFiles.Model(job.Id, ModelNames.Default, ModelFormat.TorchSharp), ct)
                    ?? throw new FileNotFoundException("the job's weights are missing from the artifact store");
                return Picture(response, supervised.Training.Epochs, DecisionBoundary.Draw(supervised, net => Load(net, weights)));
            }
            if (job.CheckpointEpoch == 0 || (epoch is not null && epoch != job.CheckpointEpoch) || job.State.IsTerminal())
                return NotKept(job, epoch, job.CheckpointEpoch == 0 && !job.State.IsTerminal() ? "the job has no checkpoint yet; ask again in a moment" : null);
            try
            {
                string key = JobFiles.Checkpoint(job.Id, job.CheckpointEpoch);
                var checkpoint = CheckpointFile.Read(await files.ReadAllBytesAsync(key, ct) ?? throw new FileNotFoundException(key), key, job.CheckpointEpoch);
                var state = checkpoint.State.Networks.Single(n => n.Name == ModelNames.Default).State;
                return Picture(response, checkpoint.Epoch, DecisionBoundary.Draw(supervised, net => Load(net, state)));
            }
            catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException && tries < 3)
            {
                job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id, ct);
            }
        }
    }

    private static void Load(TorchSharp.torch.nn.Module net, byte[] weights)
    {
        using var reader = new BinaryReader(new MemoryStream(weights, writable: false));
        net.load(reader);
    }

    private static IResult Picture(HttpResponse response, int epoch, byte[] png)
    {
        response.Headers[EpochHeader] = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.File(png, "image/png");
    }

    private static IResult NotKept(Job job, int? epoch, string? why) => TypedResults.Problem(
        why ?? $"epoch {epoch} is not kept: a job keeps its latest checkpoint (now epoch {job.CheckpointEpoch}) while it trains, and its trained weights once it has succeeded",
        statusCode: StatusCodes.Status404NotFound, title: "No picture for that epoch.");
}
