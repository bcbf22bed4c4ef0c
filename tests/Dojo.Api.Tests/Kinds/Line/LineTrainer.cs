using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Api.Tests.Kinds.Line;

/// <summary>The test kind's loop: mini-batches of fresh noisy points each epoch, Adam on <c>fit</c>, <c>average</c> following it.</summary>
public sealed class LineTrainer(DeviceResolver devices) : ITrainer
{
    private const int Batch = 16, PointsStream = 1, ShuffleStream = 2, TestStream = 3;

    public TrainingOutcome Train(ITrainingSession session)
    {
        var spec = (LineSpec)session.Spec;
        using var run = new TrainingRun(session, devices, spec.Training.Device, spec.Training.Seed);
        var points = run.Generator();
        using var fit = nn.Linear(1, 1);
        using var average = nn.Linear(1, 1);
        using (no_grad())
            foreach (var parameter in fit.parameters().Concat(average.parameters())) parameter.zero_();
        using var optimizer = TrainingOptimizer.Create(new OptimizerSpec { Kind = OptimizerKind.Adam, LearningRate = spec.Training.LearningRate }, fit.parameters());
        run.Track("fit", fit, optimizer);
        run.Track("average", average);
        double lossSum = 0;
        run.Resume(own => lossSum = own.ReadDouble());
        using TorchSharp.Scalar follow = 0.1, keep = 0.9;

        for (int epoch = run.FirstEpoch; epoch <= spec.Training.Epochs; epoch++)
        {
            if (epoch == spec.Training.FaultAtEpoch && (spec.Training.FaultEveryAttempt || run.FirstEpoch == 1))
            {
                using var wrong = zeros(2, 3);
                wrong.mm(wrong).Dispose(); // [2, 3] × [2, 3]: LibTorch refuses it, as it would fail on an internal error
            }
            run.Reseed(points, epoch, PointsStream);
            using var x = Points(spec.Training.Samples, points, out var y);
            using var _ = y;
            var order = run.Order(spec.Training.Samples, epoch, shuffle: true, ShuffleStream);
            double epochLoss = 0;
            for (int start = 0; start < order.Length; start += Batch)
            {
                run.ThrowIfStopping();
                using var scope = NewDisposeScope();
                var index = tensor(order.AsSpan(start, Math.Min(Batch, order.Length - start)).ToArray());
                optimizer.ZeroGrad();
                var loss = nn.functional.mse_loss(fit.forward(x.index_select(0, index)), y.index_select(0, index));
                double value = loss.item<float>();
                if (run.Stepped(value, epoch) is { } diverged) return diverged;
                loss.backward();
                optimizer.Step();
                using (no_grad())
                    foreach (var (mean, trained) in average.parameters().Zip(fit.parameters())) mean.mul_(keep).add_(trained, follow);
                epochLoss += value;
                lossSum += value;
            }
            run.EpochCompleted(epoch, [new("loss", epochLoss / Math.Ceiling(order.Length / (double)Batch)), new("loss_sum", lossSum),
                new("slope", fit.weight!.item<float>()), new("intercept", fit.bias!.item<float>())], own => own.Write(lossSum));
            if (spec.Training.PauseMilliseconds > 0 && session.Stopping.WaitHandle.WaitOne(spec.Training.PauseMilliseconds)) run.ThrowIfStopping();
        }

        run.Reseed(points, 0, TestStream);
        using var testX = Points(spec.Training.Samples, points, out var testY);
        using var __ = testY;
        using var noGrad = no_grad();
        double testLoss = nn.functional.mse_loss(fit.forward(testX), testY).item<float>();
        return run.Complete([new("test_loss", testLoss)]);
    }

    /// <summary>x uniform in [−1, 1], y = 2x + 1 + 0.1·ε, as [n, 1] columns.</summary>
    private static Tensor Points(int count, Generator generator, out Tensor y)
    {
        using TorchSharp.Scalar tenth = 0.1, minusOne = -1;
        using var scope = NewDisposeScope();
        var x = rand([count, 1], generator: generator).mul_(Held.Two).add_(minusOne, Held.One);
        var noise = randn([count, 1], generator: generator).mul_(tenth);
        y = x.mul(Held.Two).add_(Held.One, Held.One).add_(noise, Held.One).MoveToOuterDisposeScope();
        return x.MoveToOuterDisposeScope();
    }
}
