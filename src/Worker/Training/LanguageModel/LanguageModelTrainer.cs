using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.LanguageModel;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.LanguageModel;

/// <summary>
/// A character model trained on a text's sequences with cross-entropy over every step (<see cref="TextData"/>). Each
/// epoch's order and dropout masks come from (seed, epoch), and so does the sample it writes after the epoch, so a
/// resumed job writes the same samples as an uninterrupted one. Each epoch reports the validation text's loss and
/// perplexity beside the unigram model's, and the sample as a text point.
/// </summary>
public sealed class LanguageModelTrainer(DeviceResolver devices, IOptions<DojoOptions>? storage = null) : ITrainer
{
    private const int DropoutStream = 1, ShuffleStream = 2, SampleStream = 3;

    private readonly DatasetFolders _folders = DatasetFolders.From(storage);

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (LanguageModelSpec)session.Spec;
        var data = TextData.Load(spec.Text, _folders.Builtin, _folders.Uploads);
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var dropout = run.Generator();
        var model = ModelBuilder.Build(spec.Scores, spec.Dataset.SampleShape(), new NetworkInit(run.Generator(), dropout));
        using var net = model.Net;
        net.to(run.Device);
        using var optimizer = TrainingOptimizer.Create(spec.Optimizer, net.parameters());
        run.Track(ModelNames.Default, net, optimizer, new NetworkDescription(spec.Scores, spec.Dataset.SampleShape()));
        run.Resume();

        using var train = new SequenceTensors(data.Train, run.Device);
        using var validation = new SequenceTensors(data.Validation, run.Device);
        using var penalty = new WeightPenalty(spec.Optimizer, model.Weights);
        int samples = data.Train.Count, batchSize = spec.Training.BatchSize.Resolve(samples), vocabulary = data.Alphabet.Length;
        double unigram = data.UnigramPerplexity(data.Validation);

        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            run.Reseed(dropout, epoch, DropoutStream);
            var order = run.Order(samples, epoch, spec.Training.Shuffle, ShuffleStream);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            net.train();
            for (int start = 0; start < samples; start += batchSize)
            {
                run.ThrowIfStopping();
                using var scope = NewDisposeScope();
                int size = Math.Min(batchSize, samples - start);
                using var index = tensor(order.AsSpan(start, size).ToArray(), device: run.Device);
                optimizer.ZeroGrad();
                var scores = net.forward(train.X.index_select(0, index)).reshape(-1, vocabulary); // every step of every sequence
                var loss = nn.functional.cross_entropy(scores, train.Y.index_select(0, index).reshape(-1));
                double value = loss.item<float>();
                if (run.Stepped(value, epoch) is { } diverged) return diverged;
                penalty.AddTo(loss).backward();
                optimizer.Step();
                lossSum += value * size;
            }
            double seconds = clock.Elapsed.TotalSeconds;

            double valLoss = Loss(net, validation, vocabulary);
            if (run.Checked("validation loss", valLoss, epoch) is { } heldDiverged) return heldDiverged;
            string sample = TextGenerator.Write(net, data.Alphabet, spec.Sample.Prompt, spec.Sample.Length, spec.Sample.Temperature,
                spec.Text.SequenceLength, run.Random(epoch, SampleStream), run.Device);
            run.EpochCompleted(epoch,
            [
                new(MetricNames.Loss, lossSum / samples), new(MetricNames.ValLoss, valLoss),
                new(LanguageModelMetrics.ValPerplexity, Math.Exp(valLoss)), new(LanguageModelMetrics.ValUnigramPerplexity, unigram),
                new(MetricNames.SamplesPerSec, seconds > 0 ? samples / seconds : 0), Metric.OfText(LanguageModelMetrics.Sample, sample),
            ]);
        }

        using var test = new SequenceTensors(data.Test, run.Device);
        double testLoss = Loss(net, test, vocabulary);
        return run.Complete(
        [
            new(MetricNames.TestLoss, testLoss), new(LanguageModelMetrics.TestPerplexity, Math.Exp(testLoss)),
            new(LanguageModelMetrics.TestUnigramPerplexity, data.UnigramPerplexity(data.Test)), new(MetricNames.TrainLoss, Loss(net, train, vocabulary)),
        ]);
    }

    /// <summary>Sequences run forward this many at a time (bounded memory).</summary>
    private const int Chunk = 256;

    /// <summary>Mean cross-entropy per predicted character over a part, in eval mode (summed in double: see <see cref="Losses.Sum(LossFunction, double, Tensor, Tensor)"/>).</summary>
    private static double Loss(nn.Module<Tensor, Tensor> net, SequenceTensors part, int vocabulary)
    {
        net.eval();
        using var _ = inference_mode();
        long count = part.X.shape[0];
        double sum = 0;
        long elements = 0;
        for (long start = 0; start < count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            long size = Math.Min(Chunk, count - start);
            var scores = net.forward(part.X.narrow(0, start, size)).reshape(-1, vocabulary);
            var (chunkSum, chunkCount) = Losses.Sum(LossFunction.CrossEntropy, 0, scores, part.Y.narrow(0, start, size).reshape(-1));
            (sum, elements) = (sum + chunkSum, elements + chunkCount);
        }
        return elements == 0 ? double.NaN : sum / elements;
    }

    /// <summary>A part's sequences as token tensors on the job's device: inputs and targets [count, length].</summary>
    private sealed class SequenceTensors(TextSequences part, Device device) : IDisposable
    {
        public Tensor X { get; } = tensor(part.Inputs, [part.Count, part.Length], device: device);
        public Tensor Y { get; } = tensor(part.Targets, [part.Count, part.Length], device: device);

        public void Dispose()
        {
            X.Dispose();
            Y.Dispose();
        }
    }
}
