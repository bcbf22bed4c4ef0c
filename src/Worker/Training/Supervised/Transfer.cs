using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// Transfer learning and fine-tuning for a supervised network (<see cref="TransferSpec"/>): the kept layers take the
/// finished job's trained weights and buffers; frozen ones leave the optimizer and keep their batch-norm statistics;
/// kept, unfrozen ones learn at the fine-tuning rate.
/// </summary>
public sealed class Transfer(TransferSpec? spec, IReadOnlyList<LayerSpec> layerSpecs, IReadOnlyList<nn.Module> layers)
{
    public IReadOnlySet<int> Frozen { get; } = spec?.FrozenLayers(layerSpecs) ?? new HashSet<int>();

    /// <summary>Copies the kept layers' weights and buffers from the finished job, layer by layer.</summary>
    public void CopyKeptLayers(TransferSource source)
    {
        var trained = (SupervisedSpec)source.Spec;
        using var _ = no_grad();
        using var sourceNet = ModelBuilder.Build(new OutputHead(trained).Network, trained.Dataset.SampleShape(), NetworkInit.ForLoading).Net;
        sourceNet.load(new MemoryStream(source.Weights(ModelNames.Default)));
        var sourceLayers = sourceNet.children().ToList();
        for (int i = 0; i < spec!.Keep; i++)
        {
            var from = sourceLayers[i].state_dict();
            foreach (var (name, tensor) in layers[i].state_dict()) tensor.copy_(from[name]);
        }
    }

    /// <summary>Frozen layers stop learning: no gradients, and (see <see cref="KeepFrozenInEvalMode"/>) fixed statistics.</summary>
    public void Freeze()
    {
        foreach (int i in Frozen)
            foreach (var parameter in layers[i].parameters()) parameter.requires_grad = false;
    }

    /// <summary>After <c>net.train()</c>: a frozen batch norm keeps its running statistics too.</summary>
    public void KeepFrozenInEvalMode()
    {
        foreach (int i in Frozen) layers[i].eval();
    }

    /// <summary>Every trainable parameter with its rate: kept, unfrozen layers at the fine-tuning rate, the rest at the optimizer's.</summary>
    public List<(Parameter, double)> LearningRates(double rate)
    {
        var rates = new List<(Parameter, double)>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (Frozen.Contains(i)) continue;
            double layerRate = spec is { FineTuneLearningRate: { } fineTune } && i < spec.Keep ? fineTune : rate;
            foreach (var parameter in layers[i].parameters()) rates.Add((parameter, layerRate));
        }
        return rates;
    }
}
