using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// Mini-batch training of a feed-forward network on a playground data set. Randomness is derived from
/// (seed, epoch): weight init from the seed (or the data's stream, for playground init), each epoch's
/// shuffle and dropout masks from (seed, epoch),
/// so a job resumed from epoch k's checkpoint continues exactly as an uninterrupted run would.
/// </summary>
public sealed class SupervisedTrainer(DeviceResolver devices, IOptions<DojoOptions>? storage = null) : ITrainer
{
    /// <summary>Where the shipped data sets are: <c>datasets/</c> beside the program (the build copies them there).</summary>
    private readonly string _builtinDatasets = Path.Combine(AppContext.BaseDirectory, "datasets");

    /// <summary>Where uploaded data sets are: <c>{DataDirectory}/datasets</c>, shared with the API.</summary>
    private readonly string? _uploads = storage is null ? null : Path.Combine(storage.Value.FullDataDirectory, "datasets");

    /// <summary>Evaluation runs over the validation and test sets in chunks of this many samples (bounded memory).</summary>
    private const int EvaluationChunk = 1000;

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = session.Spec;
        var device = devices.Resolve(spec.Training.Device);
        var data = TrainingData.Load(spec.Dataset, _builtinDatasets, _uploads);

        using var initGenerator = new Generator((ulong)spec.Training.Seed);
        using var dropoutGenerator = new Generator((ulong)spec.Training.Seed);
        var model = ModelBuilder.Build(spec, initGenerator, dropoutGenerator, data.Stream);
        using var net = model.Net;
        var layers = net.children().ToList(); // one module per layer, in order (a stripped output activation aside)
        var transfer = spec.Network.Transfer;
        if (session.ResumeFrom is null && session.Transfer is { } source) CopyKeptLayers(source, transfer!.Keep, layers);
        net.to(device);
        var frozen = transfer?.FrozenLayers(spec.Network.Layers) ?? new HashSet<int>();
        foreach (int i in frozen)
            foreach (var parameter in layers[i].parameters()) parameter.requires_grad = false;
        // Dense and convolution layers, with their index in the spec, for per-layer gradient norms.
        var weighted = layers.Select((module, index) => (Layer: index, Weight: module switch { Linear l => l.weight, Conv2d c => c.weight, _ => null }))
            .Where(x => x.Weight is not null).Select(x => (x.Layer, Weight: x.Weight!)).ToList();
        using var head = new OutputHead(spec.Training, model, data);
        // Every Scalar of the training loop is held here, alpha 1 included: TorchSharp's add_(tensor) converts an implicit
        // 1 that the GC may free while libtorch reads it (a job failed here with "alpha must not be a floating point number").
        using Scalar l1 = spec.Optimizer.L1, halfL2 = spec.Optimizer.L2 / 2, one = 1;
        using var optimizer = TrainingOptimizer.Create(spec.Optimizer, LearningRates(layers, spec.Optimizer.LearningRate, transfer, frozen));

        int startEpoch = 1;
        long step = 0;
        if (session.ResumeFrom is { } checkpoint)
        {
            CheckpointState.Restore(checkpoint.State, net, optimizer);
            startEpoch = checkpoint.Epoch + 1;
            step = checkpoint.Step;
        }

        using var trainX = Tensor(data.Train, data.SampleShape, device);
        using var trainY = tensor(data.Train.Labels, device: device);
        using var validationX = Tensor(data.Validation, data.SampleShape, device);
        using var validationY = tensor(data.Validation.Labels, device: device);
        using var testX = Tensor(data.Test, data.SampleShape, device);
        using var testY = tensor(data.Test.Labels, device: device);
        using var trainTargets = head.Targets(trainY);
        using var validationTargets = head.Targets(validationY);
        using var testTargets = head.Targets(testY);

        int samples = data.Train.Count;
        int batchSize = spec.Training.BatchSize.Resolve(samples);
        double lastFiniteLoss = double.NaN;

        for (int epoch = startEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            dropoutGenerator.manual_seed(EpochSeed(spec.Training.Seed, epoch, stream: 1));
            var order = Permutation(samples, spec.Training.Shuffle ? EpochSeed(spec.Training.Seed, epoch, stream: 2) : null);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            var gradientNorms = spec.Training.GradientNorms ? weighted.Select(_ => zeros(1, device: device)).ToList() : null;
            using var correct = zeros(1, dtype: ScalarType.Int64, device: device);
            net.train();
            foreach (int i in frozen) layers[i].eval(); // a frozen batch norm keeps its running statistics too
            for (int start = 0; start < samples; start += batchSize)
            {
                session.Stopping.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int size = Math.Min(batchSize, samples - start);
                using var index = tensor(order.AsSpan(start, size).ToArray(), device: device);
                var x = trainX.index_select(0, index);
                var target = trainTargets.index_select(0, index);
                optimizer.ZeroGrad();
                var output = net.forward(x);
                var loss = head.Loss(output, target);
                double value = loss.item<float>();
                step++;
                if (!double.IsFinite(value))
                {
                    return new TrainingOutcome.Diverged(
                        $"loss became {value} at epoch {epoch}, step {step}; last finite loss {lastFiniteLoss:G6}");
                }
                lastFiniteLoss = value;
                var objective = Penalized(loss, model, spec.Optimizer, l1, halfL2, one);
                objective.backward();
                if (gradientNorms is not null)
                    for (int w = 0; w < weighted.Count; w++)
                        if (weighted[w].Weight.grad is { } grad) gradientNorms[w].add_(grad.norm(), one);
                optimizer.Step();
                lossSum += value * size;
                if (head.IsClassification) correct.add_(head.Correct(output.detach(), target), one);
            }
            double seconds = clock.Elapsed.TotalSeconds;

            var metrics = new List<Metric> { new(MetricNames.Loss, lossSum / samples) };
            if (head.IsClassification) metrics.Add(new(MetricNames.Accuracy, (double)correct.item<long>() / samples));
            if (data.Validation.Count > 0) // none when the job asks for validationPercent 0
            {
                var (valLoss, valAccuracy) = Evaluate(net, head, validationX, validationTargets);
                metrics.Add(new(MetricNames.ValLoss, valLoss));
                if (head.IsClassification) metrics.Add(new(MetricNames.ValAccuracy, valAccuracy));
                if (!double.IsFinite(valLoss))
                    return new TrainingOutcome.Diverged($"validation loss became {valLoss} at epoch {epoch}, step {step}; last finite training loss {lastFiniteLoss:G6}");
            }
            metrics.Add(new(MetricNames.SamplesPerSec, seconds > 0 ? samples / seconds : 0));
            if (gradientNorms is not null)
            {
                // The mean over the epoch's steps of each layer's weight-gradient norm ‖∂L/∂W‖₂ (vanishing gradients show here).
                long steps = (samples + batchSize - 1) / batchSize;
                for (int w = 0; w < weighted.Count; w++)
                {
                    metrics.Add(new($"grad_norm.layers[{weighted[w].Layer}]", gradientNorms[w].item<float>() / steps));
                    gradientNorms[w].Dispose();
                }
            }

            long stepAtEnd = step;
            session.EpochCompleted(epoch, stepAtEnd, metrics, () => CheckpointState.Save(net, optimizer));
        }

        // One pass over the test set gives its loss, accuracy and (classifiers) confusion matrix.
        var confusion = head.IsClassification ? new long[data.ClassNames.Count, data.ClassNames.Count] : null;
        var (testLoss, testAccuracy) = Evaluate(net, head, testX, testTargets, confusion);
        var (trainLoss, trainAccuracy) = Evaluate(net, head, trainX, trainTargets);
        var final = new List<Metric> { new(MetricNames.TestLoss, testLoss) };
        if (head.IsClassification) final.Add(new(MetricNames.TestAccuracy, testAccuracy));
        final.Add(new(MetricNames.TrainLoss, trainLoss));
        if (head.IsClassification) final.Add(new(MetricNames.TrainAccuracy, trainAccuracy));
        var evaluation = confusion is null ? null : Evaluation.FromConfusion(data.ClassNames, confusion, data.Scaling);
        return new TrainingOutcome.Completed(final, CheckpointState.SaveModel(net), evaluation);
    }

    /// <summary>
    /// Mean loss and accuracy over a split, in chunks (NaN for an empty split, e.g. no validation share); counts
    /// (true class, predicted class) into <paramref name="confusion"/> when given.
    /// </summary>
    private static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> net, OutputHead head, Tensor x, Tensor targets, long[,]? confusion = null)
    {
        long count = x.shape[0];
        if (count == 0) return (double.NaN, double.NaN);
        net.eval();
        using var _ = no_grad();
        double lossSum = 0;
        long correct = 0;
        for (long start = 0; start < count; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(EvaluationChunk, count - start);
            var output = net.forward(x.narrow(0, start, size));
            var target = targets.narrow(0, start, size);
            lossSum += head.Loss(output, target).item<float>() * size;
            if (head.IsClassification) correct += head.Correct(output, target).item<long>();
            if (confusion is null) continue;
            var predicted = head.PredictedClass(output).cpu().data<long>().ToArray();
            var truth = head.TrueClass(target).cpu().data<long>().ToArray();
            for (int i = 0; i < predicted.Length; i++) confusion[truth[i], predicted[i]]++;
        }
        return (lossSum / count, head.IsClassification ? (double)correct / count : double.NaN);
    }

    /// <summary>The kept layers take the source job's trained weights and buffers (batch-norm statistics), layer by layer.</summary>
    private static void CopyKeptLayers(TransferSource source, int keep, IReadOnlyList<nn.Module> layers)
    {
        using var _ = no_grad();
        using var g = new Generator(0);
        var built = ModelBuilder.Build(source.Spec, g, g, source.Spec.Dataset.IsPlayground ? PlaygroundData.Generate(source.Spec.Dataset).Stream : null);
        using var sourceNet = built.Net;
        sourceNet.load(new MemoryStream(source.Weights));
        var sourceLayers = sourceNet.children().ToList();
        for (int i = 0; i < keep; i++)
        {
            var from = sourceLayers[i].state_dict();
            foreach (var (name, tensor) in layers[i].state_dict()) tensor.copy_(from[name]);
        }
    }

    /// <summary>Every trainable parameter with its rate: kept, unfrozen layers at the fine-tuning rate, the rest at the optimizer's.</summary>
    private static List<(Parameter, double)> LearningRates(IReadOnlyList<nn.Module> layers, double rate, TransferSpec? transfer, IReadOnlySet<int> frozen)
    {
        var rates = new List<(Parameter, double)>();
        for (int i = 0; i < layers.Count; i++)
        {
            if (frozen.Contains(i)) continue;
            double layerRate = transfer is { FineTuneLearningRate: { } fineTune } && i < transfer.Keep ? fineTune : rate;
            foreach (var parameter in layers[i].parameters()) rates.Add((parameter, layerRate));
        }
        return rates;
    }

    /// <summary>Adds the L1 and L2 penalties on the dense and convolution weights (not the biases).</summary>
    private static Tensor Penalized(Tensor loss, BuiltModel model, OptimizerSpec optimizer, Scalar l1, Scalar halfL2, Scalar one)
    {
        if (optimizer.L1 == 0 && optimizer.L2 == 0) return loss;
        var total = loss;
        foreach (var w in model.Weights)
        {
            if (optimizer.L1 > 0) total = total.add(w.abs().sum().mul_(l1), one);
            if (optimizer.L2 > 0) total = total.add(w.square().sum().mul_(halfL2), one);
        }
        return total;
    }

    private static Tensor Tensor(DataSplit split, int[] sampleShape, Device device) =>
        tensor(split.Features, [split.Count, .. sampleShape.Select(d => (long)d)], device: device);

    /// <summary>The epoch's sample order: shuffled by the seed, or in data order when there is none.</summary>
    private static long[] Permutation(int count, long? seed)
    {
        var order = new long[count];
        for (int i = 0; i < count; i++) order[i] = i;
        if (seed is not null) new Random(unchecked((int)seed.Value)).Shuffle(order);
        return order;
    }

    /// <summary>A stable seed per (job seed, epoch, stream); never HashCode, which differs per process.</summary>
    private static long EpochSeed(int seed, int epoch, int stream) =>
        unchecked((seed * 1_000_003L + epoch) * 31 + stream) & int.MaxValue;
}
