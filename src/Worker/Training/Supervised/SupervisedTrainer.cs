using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Storage;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// Mini-batch gradient descent of a network on labelled data (playground points, images, uploads). Weight init
/// comes from the seed (or the data's stream, for playground init), each epoch's shuffle and dropout masks from
/// (seed, epoch), so a job resumed from epoch k's checkpoint continues exactly as an uninterrupted run would.
/// </summary>
public sealed class SupervisedTrainer(DeviceResolver devices, IOptions<DojoOptions>? storage = null) : ITrainer
{
    /// <summary>The random streams of an epoch, reseeded from (seed, epoch).</summary>
    private const int DropoutStream = 1, ShuffleStream = 2;

    private readonly DatasetFolders _folders = DatasetFolders.From(storage);

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (SupervisedSpec)session.Spec;
        var data = TrainingData.Load(spec.Dataset, _folders.Builtin, _folders.Uploads);
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var dropout = run.Generator();
        var head = new OutputHead(spec);
        var model = ModelBuilder.Build(head.Network, data.SampleShape, new NetworkInit(run.Generator(), dropout, data.Stream));
        using var net = model.Net;
        var layers = net.children().ToList(); // one module per layer, in order (a stripped output activation aside)
        var transfer = new Transfer(spec.Network.Transfer, spec.Network.Layers, layers);
        if (run.Transfer is { } source) transfer.CopyKeptLayers(source);
        net.to(run.Device);
        transfer.Freeze();
        using var optimizer = TrainingOptimizer.Create(spec.Optimizer, transfer.LearningRates(spec.Optimizer.LearningRate));
        run.Track(ModelNames.Default, net, optimizer, new NetworkDescription(head.Network, data.SampleShape));
        run.Resume();

        using var splits = new DeviceSplits(data, head, run.Device);
        using var penalty = new WeightPenalty(spec.Optimizer, model.Weights);
        var gradientNorms = spec.Training.GradientNorms ? new GradientNorms(layers) : null;
        int samples = data.Train.Count;
        int batchSize = spec.Training.BatchSize.Resolve(samples);

        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            run.Reseed(dropout, epoch, DropoutStream);
            var order = run.Order(samples, epoch, spec.Training.Shuffle, ShuffleStream);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            gradientNorms?.Start(run.Device);
            using var correct = zeros(1, dtype: ScalarType.Int64, device: run.Device);
            net.train();
            transfer.KeepFrozenInEvalMode();
            for (int start = 0; start < samples; start += batchSize)
            {
                run.ThrowIfStopping();
                using var scope = NewDisposeScope();
                int size = Math.Min(batchSize, samples - start);
                using var index = tensor(order.AsSpan(start, size).ToArray(), device: run.Device);
                var x = splits.TrainX.index_select(0, index);
                var target = splits.TrainTargets.index_select(0, index);
                optimizer.ZeroGrad();
                var output = net.forward(x);
                var loss = head.Loss(output, target);
                double value = loss.item<float>();
                if (run.Stepped(value, epoch) is { } diverged) return diverged;
                penalty.AddTo(loss).backward();
                gradientNorms?.Add();
                optimizer.Step();
                lossSum += value * size;
                if (head.IsClassification) correct.add_(head.Correct(output.detach(), target), Held.One);
            }
            double seconds = clock.Elapsed.TotalSeconds;

            var metrics = new List<Metric> { new(MetricNames.Loss, lossSum / samples) };
            if (head.IsClassification) metrics.Add(new(MetricNames.Accuracy, (double)correct.item<long>() / samples));
            if (data.Validation.Count > 0) // none when the job asks for validationPercent 0
            {
                var (valLoss, valAccuracy) = Evaluate(net, head, splits.ValidationX, splits.ValidationTargets);
                metrics.Add(new(MetricNames.ValLoss, valLoss));
                if (head.IsClassification) metrics.Add(new(MetricNames.ValAccuracy, valAccuracy));
                if (run.Checked("validation loss", valLoss, epoch) is { } diverged) return diverged;
            }
            metrics.Add(new(MetricNames.SamplesPerSec, seconds > 0 ? samples / seconds : 0));
            gradientNorms?.Report(metrics, steps: (samples + batchSize - 1) / batchSize);
            run.EpochCompleted(epoch, metrics);
        }

        // One pass over the test set gives its loss, accuracy and (classifiers) confusion matrix.
        var confusion = head.IsClassification ? new long[data.ClassNames.Count, data.ClassNames.Count] : null;
        var (testLoss, testAccuracy) = Evaluate(net, head, splits.TestX, splits.TestTargets, confusion);
        var (trainLoss, trainAccuracy) = Evaluate(net, head, splits.TrainX, splits.TrainTargets);
        var final = new List<Metric> { new(MetricNames.TestLoss, testLoss) };
        if (head.IsClassification) final.Add(new(MetricNames.TestAccuracy, testAccuracy));
        final.Add(new(MetricNames.TrainLoss, trainLoss));
        if (head.IsClassification) final.Add(new(MetricNames.TrainAccuracy, trainAccuracy));
        return run.Complete(final, confusion is null ? null : Evaluation.FromConfusion(data.ClassNames, confusion, data.Scaling));
    }

    /// <summary>Evaluation runs over a split in chunks of this many samples (bounded memory).</summary>
    private const int EvaluationChunk = 1000;

    /// <summary>
    /// Mean loss and accuracy over a split, in chunks (NaN for an empty split, e.g. no validation share); counts
    /// (true class, predicted class) into <paramref name="confusion"/> when given.
    /// </summary>
    private static (double Loss, double Accuracy) Evaluate(nn.Module<Tensor, Tensor> net, OutputHead head, Tensor x, Tensor targets, long[,]? confusion = null)
    {
        long count = x.shape[0];
        if (count == 0) return (double.NaN, double.NaN);
        net.eval();
        using var _ = inference_mode(); // no autograd bookkeeping at all (no version counters, no views tracked)
        double lossSum = 0;
        long elements = 0, correct = 0;
        for (long start = 0; start < count; start += EvaluationChunk)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(EvaluationChunk, count - start);
            var output = net.forward(x.narrow(0, start, size));
            var target = targets.narrow(0, start, size);
            var (sum, summed) = head.LossSum(output, target);
            (lossSum, elements) = (lossSum + sum, elements + summed);
            if (head.IsClassification) correct += head.Correct(output, target).item<long>();
            if (confusion is null) continue;
            var predicted = head.PredictedClass(output).cpu().data<long>().ToArray();
            var truth = head.TrueClass(target).cpu().data<long>().ToArray();
            for (int i = 0; i < predicted.Length; i++) confusion[truth[i], predicted[i]]++;
        }
        return (lossSum / elements, head.IsClassification ? (double)correct / count : double.NaN);
    }

    /// <summary>The splits as tensors on the job's device, with their targets encoded for the loss.</summary>
    private sealed class DeviceSplits : IDisposable
    {
        public DeviceSplits(TrainingData data, OutputHead head, Device device)
        {
            (TrainX, TrainTargets) = Load(data.Train, data.SampleShape, head, device);
            (ValidationX, ValidationTargets) = Load(data.Validation, data.SampleShape, head, device);
            (TestX, TestTargets) = Load(data.Test, data.SampleShape, head, device);
        }

        public Tensor TrainX { get; }
        public Tensor TrainTargets { get; }
        public Tensor ValidationX { get; }
        public Tensor ValidationTargets { get; }
        public Tensor TestX { get; }
        public Tensor TestTargets { get; }

        private static (Tensor X, Tensor Targets) Load(DataSplit split, int[] sampleShape, OutputHead head, Device device)
        {
            var x = tensor(split.Features, [split.Count, .. sampleShape.Select(d => (long)d)], device: device);
            using var labels = tensor(split.Labels, device: device);
            return (x, head.Targets(labels));
        }

        public void Dispose()
        {
            foreach (var t in new[] { TrainX, TrainTargets, ValidationX, ValidationTargets, TestX, TestTargets }) t.Dispose();
        }
    }

    /// <summary>
    /// Each dense and convolution layer's mean weight-gradient norm ‖∂L/∂W‖₂ over an epoch's steps
    /// (<c>grad_norm.layers[i]</c>, i the layer's index in the spec): vanishing gradients show here.
    /// </summary>
    private sealed class GradientNorms(IReadOnlyList<nn.Module> layers)
    {
        private readonly List<(int Layer, Tensor Weight)> _weighted = layers
            .Select((module, index) => (index, module switch { Linear l => l.weight, Layers.Conv c => c.Weight, _ => null }))
            .Where(x => x.Item2 is not null).Select(x => (x.index, (Tensor)x.Item2!)).ToList();

        private List<Tensor> _sums = [];

        public void Start(Device device) => _sums = _weighted.Select(_ => zeros(1, device: device)).ToList();

        public void Add()
        {
            for (int w = 0; w < _weighted.Count; w++)
                if (_weighted[w].Weight.grad is { } grad) _sums[w].add_(grad.norm(), Held.One);
        }

        public void Report(List<Metric> metrics, long steps)
        {
            for (int w = 0; w < _weighted.Count; w++)
            {
                metrics.Add(new($"grad_norm.layers[{_weighted[w].Layer}]", _sums[w].item<float>() / steps));
                _sums[w].Dispose();
            }
        }
    }
}
