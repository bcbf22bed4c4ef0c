using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Gan;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Worker.Training.Supervised;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Gan;

/// <summary>
/// A finished classifier (a supervised job, <see cref="GanSpec.Judge"/>) reading a GAN's images: how many of each class
/// it sees, and for a conditional GAN whether it sees the class that was asked for.
/// </summary>
public sealed class GanJudge : IDisposable
{
    private readonly Sequential _net;
    private readonly int _classes;

    private GanJudge(Sequential net, int classes) => (_net, _classes) = (net, classes);

    /// <summary>The judge the spec names, read from the finished job (none when the spec names none).</summary>
    public static GanJudge? From(GanSpec spec, TransferSource? source, Device device)
    {
        if (spec.Judge is null || source?.Spec is not SupervisedSpec classifier) return null;
        var net = ModelBuilder.Build(new OutputHead(classifier).Network, classifier.Dataset.SampleShape(), NetworkInit.ForLoading).Net;
        try
        {
            using (var reader = new BinaryReader(new MemoryStream(source.Weights(ModelNames.Default)))) net.load(reader);
            net.eval();
            net.to(device);
            return new GanJudge(net, classifier.Dataset.ClassCount());
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    /// <summary>The class the judge reads in each of <paramref name="images"/> ([count, channels, height, width]).</summary>
    public long[] Read(Tensor images)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return _net.forward(images).argmax(1).cpu().data<long>().ToArray();
    }

    /// <summary>The judge's figures for images it read as <paramref name="read"/>, asked for <paramref name="asked"/> (conditional) or not.</summary>
    public IEnumerable<Metric> Metrics(long[] read, long[]? asked)
    {
        var counts = new int[_classes];
        foreach (long c in read) counts[c]++;
        double fair = read.Length / (double)_classes / 4;
        yield return new(GanMetrics.JudgedClasses, counts.Count(c => c >= fair), string.Join(",", counts));
        if (asked is not null) yield return new(GanMetrics.JudgeAgreement, read.Where((c, i) => c == asked[i]).Count() / (double)read.Length);
    }

    public void Dispose() => _net.Dispose();
}
