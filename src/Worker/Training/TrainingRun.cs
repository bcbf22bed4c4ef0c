using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// What every trainer shares, so that a trainer's own file states only its loop:
/// <list type="bullet">
/// <item>the device the job runs on;</item>
/// <item>generators from the job's seed, reseeded per (epoch, stream), so a resumed job draws exactly what an
/// uninterrupted one would (shuffles, dropout masks, noise) — never libtorch's process-wide generator;</item>
/// <item>the named networks it trains (<see cref="Track"/>): restored from the checkpoint on resume, saved into
/// each new checkpoint with the trainer's own bytes, exported as trained weights when it completes;</item>
/// <item>the step count with the divergence check, and cancellation between steps.</item>
/// </list>
/// </summary>
public sealed class TrainingRun : IDisposable
{
    private readonly ITrainingSession _session;
    private readonly int _seed;
    private readonly List<(string Name, nn.Module Module, TrainingOptimizer? Optimizer, NetworkDescription? Description)> _networks = [];
    private readonly List<Generator> _generators = [];
    private double _lastFiniteLoss = double.NaN;

    public TrainingRun(ITrainingSession session, DeviceResolver devices, DeviceName device, int seed)
    {
        _session = session;
        _seed = seed;
        Device = devices.Resolve(device);
        Step = session.ResumeFrom?.Step ?? 0;
    }

    public Device Device { get; }

    /// <summary>Optimizer steps taken, over all epochs (a resumed run continues the count).</summary>
    public long Step { get; private set; }

    /// <summary>1, or the epoch after the checkpoint's.</summary>
    public int FirstEpoch => (_session.ResumeFrom?.Epoch ?? 0) + 1;

    /// <summary>The finished job to start from (transfer learning); none when resuming, whose checkpoint has it all.</summary>
    public TransferSource? Transfer => _session.ResumeFrom is null ? _session.Transfer : null;

    /// <summary>A generator seeded with the job's seed, disposed with the run (weight init, dropout masks, noise).</summary>
    public Generator Generator()
    {
        var generator = new Generator((ulong)_seed);
        _generators.Add(generator);
        return generator;
    }

    /// <summary>Reseeds <paramref name="generator"/> for an epoch and a purpose (<paramref name="stream"/>): the same draws however the job got there.</summary>
    public void Reseed(Generator generator, int epoch, int stream) => generator.manual_seed(EpochSeed(epoch, stream));

    /// <summary>The epoch's order of <paramref name="count"/> samples: shuffled by (seed, epoch), or in data order.</summary>
    public long[] Order(int count, int epoch, bool shuffle, int stream)
    {
        var order = new long[count];
        for (int i = 0; i < count; i++) order[i] = i;
        if (shuffle) Random(epoch, stream).Shuffle(order);
        return order;
    }

    /// <summary>A .NET generator for an epoch and a purpose (a sample's characters, teacher forcing's coin flips): the same draws however the job got there.</summary>
    public Random Random(int epoch, int stream) => new(unchecked((int)EpochSeed(epoch, stream)));

    /// <summary>A stable seed per (job seed, epoch, stream); never HashCode, which differs per process.</summary>
    private long EpochSeed(int epoch, int stream) => unchecked((_seed * 1_000_003L + epoch) * 31 + stream) & int.MaxValue;

    /// <summary>
    /// A network the run keeps under <paramref name="name"/> (a <see cref="ModelNames"/> name): in checkpoints with its
    /// optimizer, if it has one, and among the trained weights at the end. Track each before <see cref="Resume"/>.
    /// A <paramref name="description"/> (the layers it was built from) goes into the exported weights' metadata.
    /// </summary>
    public void Track(string name, nn.Module module, TrainingOptimizer? optimizer = null, NetworkDescription? description = null)
    {
        if (!ModelNames.IsValid(name)) throw new ArgumentException($"'{name}' is not a model name", nameof(name));
        _networks.Add((name, module, optimizer, description));
    }

    /// <summary>When resuming: restores every tracked network and optimizer, then gives the trainer its own bytes back.</summary>
    public void Resume(Action<BinaryReader>? restoreOwn = null)
    {
        if (_session.ResumeFrom is not { } checkpoint) return;
        foreach (var (name, module, optimizer, _) in _networks)
        {
            var saved = checkpoint.State.Networks.SingleOrDefault(n => n.Name == name)
                ?? throw new InvalidDataException($"the checkpoint of epoch {checkpoint.Epoch} has no network '{name}'");
            using var reader = new BinaryReader(new MemoryStream(saved.State));
            module.load(reader);
            optimizer?.Load(reader);
        }
        if (restoreOwn is not null)
        {
            using var own = new BinaryReader(new MemoryStream(checkpoint.State.Own));
            restoreOwn(own);
        }
    }

    /// <summary>Keeps a file with the job (see <see cref="ITrainingSession.Keep"/>).</summary>
    public void Keep(string name, byte[] content) => _session.Keep(name, content);

    /// <summary>Throws <see cref="OperationCanceledException"/> once the job must stop; call it between steps.</summary>
    public void ThrowIfStopping() => _session.Stopping.ThrowIfCancellationRequested();

    /// <summary>Counts an optimizer step whose loss was <paramref name="loss"/>; a loss that is not finite ends the job as diverged.</summary>
    public TrainingOutcome.Diverged? Stepped(double loss, int epoch)
    {
        Step++;
        if (!double.IsFinite(loss))
            return new TrainingOutcome.Diverged($"loss became {loss} at epoch {epoch}, step {Step}; last finite loss {_lastFiniteLoss:G6}");
        _lastFiniteLoss = loss;
        return null;
    }

    /// <summary>A value measured beside the steps (a validation loss): not finite ends the job as diverged.</summary>
    public TrainingOutcome.Diverged? Checked(string what, double value, int epoch) => double.IsFinite(value) ? null
        : new TrainingOutcome.Diverged($"{what} became {value} at epoch {epoch}, step {Step}; last finite training loss {_lastFiniteLoss:G6}");

    /// <summary>Reports an epoch; the checkpoint, when one is due, holds every tracked network and what <paramref name="saveOwn"/> writes.</summary>
    public void EpochCompleted(int epoch, IReadOnlyList<Metric> metrics, Action<BinaryWriter>? saveOwn = null) =>
        _session.EpochCompleted(epoch, Step, metrics, () => new TrainingState(
            _networks.Select(n => new NetworkState(n.Name, Save(n.Module, n.Optimizer))).ToList(),
            saveOwn is null ? [] : Write(saveOwn)));

    /// <summary>The job's end: the closing metrics, and every tracked network's trained weights.</summary>
    public TrainingOutcome.Completed Complete(IReadOnlyList<Metric> final, Evaluation? evaluation = null) =>
        new(final, _networks.Select(n => new TrainedModel(n.Name,
            TrainedWeights.Of(n.Module, TrainedWeights.Metadata(n.Name, _session.JobId, _session.Spec, n.Description)))).ToList(), evaluation);

    private static byte[] Save(nn.Module module, TrainingOptimizer? optimizer) => Write(writer =>
    {
        module.save(writer);
        optimizer?.Save(writer);
    });

    private static byte[] Write(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        return stream.ToArray();
    }

    public void Dispose()
    {
        foreach (var generator in _generators) generator.Dispose();
    }
}
