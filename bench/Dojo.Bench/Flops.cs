using System.Diagnostics;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Bench;

/// <summary>
/// How close a run comes to the hardware: the floating-point work of a supervised job (the multiply-adds of its dense
/// and convolution layers; activations, pooling and the optimizer are left out, so the figure is a lower bound) beside
/// one core's peak, and beside what a large matrix product reaches on one core here.
/// </summary>
public static class Flops
{
    /// <summary>Multiply-adds of one sample's forward pass through each weighted layer, in order.</summary>
    public static List<double> ForwardMultiplyAdds(SupervisedSpec spec, int[] sampleShape)
    {
        var macs = new List<double>();
        var shape = sampleShape.Select(d => (long)d).ToArray();
        foreach (var layer in spec.Network.Layers)
            switch (layer)
            {
                case DenseLayer dense:
                    macs.Add((double)shape[^1] * dense.Units);
                    shape = [dense.Units];
                    break;
                case Conv2dLayer conv:
                    long padding = conv.Padding.For(conv.Kernel);
                    long h = (shape[1] + 2 * padding - conv.Kernel) / conv.Stride + 1, w = (shape[2] + 2 * padding - conv.Kernel) / conv.Stride + 1;
                    macs.Add((double)conv.OutChannels * h * w * shape[0] * conv.Kernel * conv.Kernel);
                    shape = [conv.OutChannels, h, w];
                    break;
                case MaxPool2dLayer pool:
                    long stride = pool.Stride ?? pool.Kernel;
                    shape = [shape[0], (shape[1] - pool.Kernel) / stride + 1, (shape[2] - pool.Kernel) / stride + 1];
                    break;
                case FlattenLayer:
                    shape = [shape.Aggregate(1L, (a, b) => a * b)];
                    break;
                case ActivationLayer or DropoutLayer:
                    break;
                default:
                    throw new NotSupportedException($"no FLOP count for {layer}");
            }
        return macs;
    }

    /// <summary>
    /// A whole job's floating-point operations: each training sample costs its forward pass, the gradient of each layer's
    /// weights (as much again) and of its input (as much again, but not for the first weighted layer, whose input is the
    /// data); each evaluated sample (validation every epoch, then the test and training sets) costs a forward pass.
    /// </summary>
    public static double JobFlops(SupervisedSpec spec, int[] sampleShape)
    {
        var macs = ForwardMultiplyAdds(spec, sampleShape);
        double forward = 2 * macs.Sum(), training = forward + 2 * macs.Sum() + 2 * macs.Skip(1).Sum();
        var (train, validation, test) = spec.Dataset.SplitSizes();
        int epochs = spec.Training.Epochs;
        return (double)train * epochs * training + ((double)validation * epochs + test + train) * forward;
    }

    /// <summary>One core's peak, single precision: vector lanes × 2 (a fused multiply-add) × FMA units × clock.</summary>
    public static (double GFlops, string How) CorePeak()
    {
        string info = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        string flags = info.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? "";
        int lanes = flags.Contains(" avx512f") ? 16 : flags.Contains(" avx2") ? 8 : 4;
        string mhz = info.Split('\n').FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "2000";
        double ghz = double.Parse(mhz, System.Globalization.CultureInfo.InvariantCulture) / 1000;
        const int fmaUnits = 2; // server cores with AVX-512 have two 512-bit FMA units; /proc/cpuinfo does not say, so this is assumed
        return (lanes * 2 * fmaUnits * ghz, $"{lanes} float lanes × 2 (FMA) × {fmaUnits} FMA units × {ghz:F2} GHz");
    }

    /// <summary>What LibTorch's matrix product (MKL) reaches on one thread: 1024×1024 by 1024×1024, median of 9.</summary>
    public static double MatrixProductGFlops() => BenchApi.OnTrainingThread(() =>
    {
        using var a = rand(1024, 1024);
        using var b = rand(1024, 1024);
        var times = new List<double>();
        for (int i = 0; i < 11; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var c = a.matmul(b)) _ = c.shape;
            if (i >= 2) times.Add(clock.Elapsed.TotalSeconds);
        }
        return 2.0 * 1024 * 1024 * 1024 / Stats.Median(times) / 1e9;
    });
}
