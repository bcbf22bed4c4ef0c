using System.Diagnostics;
using Dojo.Domain.Datasets;
using Dojo.Domain.Jobs;
using Dojo.Domain.Kinds.Seq2Seq;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Seq2Seq;

/// <summary>
/// An encoder–decoder trained on a task's pairs: cross-entropy over the answer's tokens (padding ignored), teacher
/// forcing's coin flips, order and dropout masks all from (seed, epoch), so a resumed job ends as an uninterrupted one.
/// Each epoch reports the validation pairs' loss and, decoding greedily, exact-match and per-symbol accuracy. The two
/// networks are kept as <c>encoder</c> and <c>decoder</c>, each with its optimizer (all five optimizers treat each
/// parameter on its own, so two are one over both).
/// </summary>
public sealed class Seq2SeqTrainer(DeviceResolver devices) : ITrainer
{
    private const int DropoutStream = 1, ShuffleStream = 2, TeacherStream = 3;

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (Seq2SeqSpec)session.Spec;
        var data = SequencePairsData.Make(spec.Pairs);
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var dropout = run.Generator();
        using var networks = new Seq2SeqNetworks(spec.Model, spec.Vocabulary, data.Train.TargetLength, new NetworkInit(run.Generator(), dropout));
        networks.Encoder.to(run.Device);
        networks.Decoder.to(run.Device);
        using var encoderOptimizer = TrainingOptimizer.Create(spec.Optimizer, networks.Encoder.parameters());
        using var decoderOptimizer = TrainingOptimizer.Create(spec.Optimizer, networks.Decoder.parameters());
        run.Track(ModelNames.Encoder, networks.Encoder, encoderOptimizer);
        run.Track(ModelNames.Decoder, networks.Decoder, decoderOptimizer);
        run.Resume();

        using var train = new PairTensors(data.Train, run.Device);
        using var validation = new PairTensors(data.Validation, run.Device);
        using var penalty = new WeightPenalty(spec.Optimizer, networks.Weights());
        int samples = data.Train.Count, batchSize = spec.Training.BatchSize.Resolve(samples);

        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            run.Reseed(dropout, epoch, DropoutStream);
            var order = run.Order(samples, epoch, spec.Training.Shuffle, ShuffleStream);
            var coin = run.Random(epoch, TeacherStream);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            networks.Train(true);
            for (int start = 0; start < samples; start += batchSize)
            {
                run.ThrowIfStopping();
                using var scope = NewDisposeScope();
                int size = Math.Min(batchSize, samples - start);
                using var index = tensor(order.AsSpan(start, size).ToArray(), device: run.Device);
                var targets = train.Targets.index_select(0, index);
                encoderOptimizer.ZeroGrad();
                decoderOptimizer.ZeroGrad();
                var scores = networks.Scores(train.Inputs.index_select(0, index), targets, spec.Training.TeacherForcing, coin);
                var loss = nn.functional.cross_entropy(scores.reshape(-1, spec.Vocabulary), targets.reshape(-1), ignore_index: Seq2SeqSpec.Pad);
                double value = loss.item<float>();
                if (run.Stepped(value, epoch) is { } diverged) return diverged;
                penalty.AddTo(loss).backward();
                encoderOptimizer.Step();
                decoderOptimizer.Step();
                lossSum += value * size;
            }
            double seconds = clock.Elapsed.TotalSeconds;

            var measured = Measure(networks, data, validation, spec.Vocabulary);
            if (run.Checked("validation loss", measured.Loss, epoch) is { } heldDiverged) return heldDiverged;
            run.EpochCompleted(epoch,
            [
                new(MetricNames.Loss, lossSum / samples), new(MetricNames.ValLoss, measured.Loss),
                new(Seq2SeqMetrics.ValExactMatch, measured.ExactMatch), new(Seq2SeqMetrics.ValCharAccuracy, measured.CharAccuracy),
                new(MetricNames.SamplesPerSec, seconds > 0 ? samples / seconds : 0),
            ]);
        }

        using var test = new PairTensors(data.Test, run.Device);
        var onTest = Measure(networks, data, test, spec.Vocabulary);
        var onTrain = Measure(networks, data, train, spec.Vocabulary);
        return run.Complete(
        [
            new(MetricNames.TestLoss, onTest.Loss), new(Seq2SeqMetrics.TestExactMatch, onTest.ExactMatch), new(Seq2SeqMetrics.TestCharAccuracy, onTest.CharAccuracy),
            new(MetricNames.TrainLoss, onTrain.Loss),
        ]);
    }

    /// <summary>Pairs run forward this many at a time (bounded memory).</summary>
    private const int Chunk = 1000;

    /// <summary>
    /// The teacher-forced loss per answer token (padding aside; summed in double, in order), and the greedy answers'
    /// exact-match share and per-symbol accuracy (each answer symbol and its end token, at its place).
    /// </summary>
    private static (double Loss, double ExactMatch, double CharAccuracy) Measure(Seq2SeqNetworks networks, SequencePairsData data, PairTensors part, int vocabulary)
    {
        networks.Train(false);
        using var _ = inference_mode();
        int count = part.Pairs.Count, length = part.Pairs.TargetLength;
        double lossSum = 0;
        long tokens = 0, exact = 0, symbolsRight = 0, symbols = 0;
        for (int start = 0; start < count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            int size = Math.Min(Chunk, count - start);
            var inputs = part.Inputs.narrow(0, start, size);
            var targets = part.Targets.narrow(0, start, size);
            var scores = networks.Scores(inputs, targets, teacherForcing: 1, coin: null);
            var losses = nn.functional.cross_entropy(scores.reshape(-1, vocabulary), targets.reshape(-1), reduction: nn.Reduction.None).cpu().data<float>().ToArray();
            var expected = part.Pairs.Targets.AsSpan(start * length, size * length);
            for (int i = 0; i < losses.Length; i++)
                if (expected[i] != Seq2SeqSpec.Pad) (lossSum, tokens) = (lossSum + losses[i], tokens + 1);

            var written = networks.Greedy(inputs).cpu().data<long>().ToArray();
            for (int n = 0; n < size; n++)
            {
                var (_, answer) = part.Pairs.Pairs[start + n];
                if (data.Decode(written.AsSpan(n * length, length)) == answer) exact++;
                for (int k = 0; k <= answer.Length; k++) // the answer's symbols and its end token
                    if (written[n * length + k] == expected[n * length + k]) symbolsRight++;
                symbols += answer.Length + 1;
            }
        }
        return (lossSum / tokens, (double)exact / count, (double)symbolsRight / symbols);
    }

    /// <summary>A part's pairs as token tensors on the job's device: inputs [count, longest input], targets [count, answer length].</summary>
    private sealed class PairTensors(PairTokens pairs, Device device) : IDisposable
    {
        public PairTokens Pairs => pairs;
        public Tensor Inputs { get; } = tensor(pairs.Inputs, [pairs.Count, pairs.InputLength], device: device);
        public Tensor Targets { get; } = tensor(pairs.Targets, [pairs.Count, pairs.TargetLength], device: device);

        public void Dispose()
        {
            Inputs.Dispose();
            Targets.Dispose();
        }
    }
}
