using System.Diagnostics;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Bench;

/// <summary>
/// Where a LeNet step's time goes, on one thread, and what Dojo's CPU paths change, each pair alternated (median of 15
/// reps of 20 calls, in ms per call, batch 64 of 28×28): the first and second pooling's forward (libtorch's kernel
/// against Dojo's <see cref="MaxPool"/> without gradients), each convolution's forward and forward+backward
/// (<c>nn.Conv2d</c> against Dojo's channels-last <see cref="Conv"/>, with the pooling after it), a whole LeNet training step
/// with either convolution, and an Adam step (TorchSharp's <c>optim.Adam</c> against Dojo's packed <see cref="TrainingOptimizer"/>).
/// Usage: bench/run.sh [rounds] --step
/// </summary>
public static class StepProfile
{
    public static void Run() => BenchApi.OnTrainingThread(() =>
    {
        manual_seed(1);
        using var image = rand(64, 1, 28, 28);
        using var first = rand(64, 6, 28, 28).relu_();
        using var second = rand(64, 16, 10, 10).relu_();
        using var pool = new MaxPool(2, 2);
        Pair("pooling 64×6×28×28, no gradients", () => nn.functional.max_pool2d(first, 2), () => { using (inference_mode()) return pool.forward(first); });
        Pair("pooling 64×16×10×10, no gradients", () => nn.functional.max_pool2d(second, 2), () => { using (inference_mode()) return pool.forward(second); });

        foreach (var (name, inChannels, padding, input) in new[] { ("conv 1→6, 5×5, same", 1L, 2L, image), ("conv 6→16, 5×5", 6L, 0L, rand(64, 6, 14, 14)) })
        {
            using var theirs = nn.Conv2d(inChannels, inChannels == 1 ? 6 : 16, 5, padding: padding);
            using var twin = nn.Conv2d(inChannels, inChannels == 1 ? 6 : 16, 5, padding: padding);
            using var ours = new Conv(twin, 1, padding);
            var x = inChannels == 1 ? input : input.requires_grad_(true);
            Pair($"{name}, forward", () => theirs.forward(x), () => ours.forward(x));
            Pair($"{name} + ReLU + pooling, forward and backward", () => Backward(theirs, x), () => Backward(ours, x));
        }

        // The whole training step (forward, backward, TorchSharp's Adam), LeNet with nn.Conv2d against the same with Dojo's
        // channels-last Conv: the layout pays off across layers (the ReLUs and poolings after each convolution keep it).
        using (var plain = LeNet(channelsLast: false))
        using (var channelsLast = LeNet(channelsLast: true))
        using (var plainAdam = optim.Adam(plain.parameters(), 0.002))
        using (var lastAdam = optim.Adam(channelsLast.parameters(), 0.002))
        using (var labels = randint(0, 10, [64]))
        {
            Tensor? Step(nn.Module<Tensor, Tensor> net, optim.Optimizer optimizer)
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                nn.functional.cross_entropy(net.forward(image), labels).backward();
                optimizer.step();
                return null;
            }
            Pair("LeNet training step (batch 64, Adam)", () => Step(plain, plainAdam), () => Step(channelsLast, lastAdam));
        }

        using var net = LeNet(channelsLast: false);
        using var twinNet = LeNet(channelsLast: false);
        using var adam = optim.Adam(net.parameters(), 0.002);
        using var packed = TrainingOptimizer.Create(new OptimizerSpec { Kind = OptimizerKind.Adam, LearningRate = 0.002 }, twinNet.parameters());
        using (var scope = NewDisposeScope())
        {
            nn.functional.cross_entropy(net.forward(image), zeros(64, dtype: ScalarType.Int64)).backward();
            nn.functional.cross_entropy(twinNet.forward(image), zeros(64, dtype: ScalarType.Int64)).backward();
        }
        Pair("Adam step over LeNet's 10 parameters", () => { adam.step(); return null; }, () => { packed.Step(); return null; });
        return 0;
    });

    private static nn.Module<Tensor, Tensor> LeNet(bool channelsLast)
    {
        manual_seed(2);
        nn.Module<Tensor, Tensor> Convolution(long from, long to, long padding) =>
            channelsLast ? new Conv(nn.Conv2d(from, to, 5, padding: padding), 1, padding) : nn.Conv2d(from, to, 5, padding: padding);
        return nn.Sequential(Convolution(1, 6, 2), nn.ReLU(), nn.MaxPool2d(2), Convolution(6, 16, 0), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10));
    }

    private static Tensor? Backward(nn.Module<Tensor, Tensor> conv, Tensor x)
    {
        using var scope = NewDisposeScope();
        nn.functional.max_pool2d(conv.forward(x).relu(), 2).sum().backward();
        return null;
    }

    /// <summary>Times two ways of the same thing, alternated; prints the medians and their ratio.</summary>
    private static void Pair(string what, Func<Tensor?> libtorch, Func<Tensor?> dojo)
    {
        var times = new[] { new List<double>(), new List<double>() };
        for (int rep = 0; rep < 17; rep++)
            for (int side = 0; side < 2; side++)
            {
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < 20; i++) (side == 0 ? libtorch() : dojo())?.Dispose();
                if (rep >= 2) times[side].Add(clock.Elapsed.TotalMilliseconds / 20); // two warm-up reps
            }
        double before = Stats.Median(times[0]), after = Stats.Median(times[1]);
        Console.WriteLine($"{what,-60} libtorch/TorchSharp {before,7:F3} ms   Dojo {after,7:F3} ms   ratio {after / before:F2}");
    }
}
