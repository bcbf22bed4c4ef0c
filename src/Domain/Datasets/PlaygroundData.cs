using Dojo.Domain.Playground;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Datasets;

/// <summary>A labelled 2-D point. Classification labels are +1/-1 as in the playground; regression labels are real (plane: (x+y)/10, multi-gauss: in [-1, 1]).</summary>
public readonly record struct Example2D(double X, double Y, double Label);

/// <summary>Feature rows and labels, ready to become tensors.</summary>
public sealed record DataSplit(float[] Features, float[] Labels, int Count, int FeatureCount);

/// <summary>The splits, and the random stream where generation and shuffle left it (the playground draws its initial weights next).</summary>
public sealed record PlaygroundDataset(DataSplit Train, DataSplit Test, bool IsRegression, IRandomSource Stream);

/// <summary>
/// TensorFlow Playground's data sets (src/dataset.ts of tensorflow/playground): the same formulas,
/// noise scale (URL noise / 100), sample counts and train/test split (shuffle, then the first
/// trainPercent % train). One seeded random stream is consumed in order: generation, then shuffle.
/// </summary>
public static class PlaygroundData
{
    public static PlaygroundDataset Generate(PlaygroundDatasetSpec spec)
    {
        var (train, test, random) = Points(spec);
        return new PlaygroundDataset(ToSplit(train, spec.Features), ToSplit(test, spec.Features), spec.Generator.IsRegression(), random);
    }

    /// <summary>The spec's points as drawn (before their features are computed), and the random stream where it was left.</summary>
    public static (List<Example2D> Train, List<Example2D> Test, IRandomSource Stream) Points(PlaygroundDatasetSpec spec)
    {
        IRandomSource random = spec.SeedText is null ? new SystemRandomSource(spec.Seed) : new SeedRandom(spec.SeedText);
        var (train, test) = Split(spec.Generator, spec.SampleCount, spec.Noise / 100.0, spec.TrainPercent, random);
        return (train, test, random);
    }

    /// <summary>A point's features in the spec's order, as the network gets them.</summary>
    public static void Features(IReadOnlyList<InputFeature> features, double x1, double x2, Span<float> into)
    {
        for (int f = 0; f < features.Count; f++) into[f] = (float)Feature(features[f], x1, x2);
    }

    /// <summary>
    /// The page's generateData: the points drawn, shuffled by the same stream, and split at ⌊count · percent / 100⌋
    /// (the training points first). <paramref name="noise"/> is the URL's noise / 100.
    /// </summary>
    public static (List<Example2D> Train, List<Example2D> Test) Split(PlaygroundGenerator generator, int samples, double noise, double trainPercent, IRandomSource random)
    {
        var points = Points(generator, samples, noise, random);
        Shuffle(points, random);
        int split = Math.Clamp((int)Math.Floor(points.Count * trainPercent / 100), 0, points.Count);
        return (points.GetRange(0, split), points.GetRange(split, points.Count - split));
    }

    public static List<Example2D> Points(PlaygroundGenerator generator, int samples, double noise, IRandomSource random) => generator switch
    {
        PlaygroundGenerator.Circle => Circle(samples, noise, random),
        PlaygroundGenerator.Xor => Xor(samples, noise, random),
        PlaygroundGenerator.Gauss => TwoGauss(samples, noise, random),
        PlaygroundGenerator.Spiral => Spiral(samples, noise, random),
        PlaygroundGenerator.Plane => Plane(samples, noise, random),
        PlaygroundGenerator.MultiGauss => MultiGauss(samples, noise, random),
        _ => throw new ArgumentOutOfRangeException(nameof(generator), generator, null),
    };

    public static double Feature(InputFeature feature, double x1, double x2) => feature switch
    {
        InputFeature.X1 => x1,
        InputFeature.X2 => x2,
        InputFeature.X1Squared => x1 * x1,
        InputFeature.X2Squared => x2 * x2,
        InputFeature.X1X2 => x1 * x2,
        InputFeature.SinX1 => JsMath.Sin(x1),
        InputFeature.SinX2 => JsMath.Sin(x2),
        _ => throw new ArgumentOutOfRangeException(nameof(feature), feature, null),
    };

    private static DataSplit ToSplit(List<Example2D> points, IReadOnlyList<InputFeature> features)
    {
        var x = new float[points.Count * features.Count];
        var y = new float[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            Features(features, points[i].X, points[i].Y, x.AsSpan(i * features.Count, features.Count));
            y[i] = (float)points[i].Label;
        }
        return new DataSplit(x, y, points.Count, features.Count);
    }

    /// <summary>The page's Fisher–Yates shuffle, drawing from the same stream as the data.</summary>
    private static void Shuffle(List<Example2D> points, IRandomSource random)
    {
        for (int counter = points.Count; counter > 0;)
        {
            int index = (int)Math.Floor(random.NextDouble() * counter);
            counter--;
            (points[counter], points[index]) = (points[index], points[counter]);
        }
    }

    private static double Uniform(IRandomSource random, double a, double b) => random.NextDouble() * (b - a) + a;

    private static double Normal(IRandomSource random, double mean, double variance)
    {
        double v1, v2, s;
        do
        {
            v1 = 2 * random.NextDouble() - 1;
            v2 = 2 * random.NextDouble() - 1;
            s = v1 * v1 + v2 * v2;
        } while (s > 1);
        double result = Math.Sqrt(-2 * JsMath.Log(s) / s) * v1;
        return mean + Math.Sqrt(variance) * result;
    }

    /// <summary>
    /// d3 v3's linear scale, which the page's data sets use, in its own arithmetic: t = (x − d0) / (d1 − d0), clamped to
    /// [0, 1] when asked, then r0·(1 − t) + r1·t.
    /// </summary>
    private static double D3Linear(double x, double d0, double d1, double r0, double r1, bool clamp = false)
    {
        double t = (x - d0) / (d1 - d0);
        if (clamp) t = Math.Max(0, Math.Min(1, t));
        return r0 * (1 - t) + r1 * t;
    }

    private static double Distance(double x1, double y1, double x2, double y2) => Math.Sqrt((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2));

    private static List<Example2D> TwoGauss(int samples, double noise, IRandomSource random)
    {
        var points = new List<Example2D>(samples);
        double variance = D3Linear(noise, 0, 0.5, 0.5, 4);
        void Gauss(double cx, double cy, double label)
        {
            for (int i = 0; i < samples / 2.0; i++)
                points.Add(new Example2D(Normal(random, cx, variance), Normal(random, cy, variance), label));
        }
        Gauss(2, 2, 1);
        Gauss(-2, -2, -1);
        return points;
    }

    internal static List<Example2D> Spiral(int samples, double noise, IRandomSource random)
    {
        var points = new List<Example2D>(samples);
        double n = samples / 2.0;
        void Arm(double deltaT, double label)
        {
            for (int i = 0; i < n; i++)
            {
                double r = i / n * 5;
                double t = 1.75 * i / n * 2 * Math.PI + deltaT;
                double x = r * JsMath.Sin(t) + Uniform(random, -1, 1) * noise;
                double y = r * JsMath.Cos(t) + Uniform(random, -1, 1) * noise;
                points.Add(new Example2D(x, y, label));
            }
        }
        Arm(0, 1);
        Arm(Math.PI, -1);
        return points;
    }

    private static List<Example2D> Circle(int samples, double noise, IRandomSource random)
    {
        var points = new List<Example2D>(samples);
        const double radius = 5;
        void Ring(double rMin, double rMax)
        {
            for (int i = 0; i < samples / 2.0; i++)
            {
                double r = Uniform(random, rMin, rMax);
                double angle = Uniform(random, 0, 2 * Math.PI);
                double x = r * JsMath.Sin(angle);
                double y = r * JsMath.Cos(angle);
                double noiseX = Uniform(random, -radius, radius) * noise;
                double noiseY = Uniform(random, -radius, radius) * noise;
                double label = Distance(x + noiseX, y + noiseY, 0, 0) < radius * 0.5 ? 1 : -1;
                points.Add(new Example2D(x, y, label));
            }
        }
        Ring(0, radius * 0.5);
        Ring(radius * 0.7, radius);
        return points;
    }

    private static List<Example2D> Xor(int samples, double noise, IRandomSource random)
    {
        var points = new List<Example2D>(samples);
        const double padding = 0.3;
        for (int i = 0; i < samples; i++)
        {
            double x = Uniform(random, -5, 5);
            x += x > 0 ? padding : -padding;
            double y = Uniform(random, -5, 5);
            y += y > 0 ? padding : -padding;
            double noiseX = Uniform(random, -5, 5) * noise;
            double noiseY = Uniform(random, -5, 5) * noise;
            points.Add(new Example2D(x, y, (x + noiseX) * (y + noiseY) >= 0 ? 1 : -1));
        }
        return points;
    }

    private static List<Example2D> Plane(int samples, double noise, IRandomSource random)
    {
        var points = new List<Example2D>(samples);
        const double radius = 6;
        for (int i = 0; i < samples; i++)
        {
            double x = Uniform(random, -radius, radius);
            double y = Uniform(random, -radius, radius);
            double noiseX = Uniform(random, -radius, radius) * noise;
            double noiseY = Uniform(random, -radius, radius) * noise;
            points.Add(new Example2D(x, y, D3Linear((x + noiseX) + (y + noiseY), -10, 10, -1, 1)));
        }
        return points;
    }

    private static readonly (double Cx, double Cy, double Sign)[] Gaussians =
        [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)];

    private static List<Example2D> MultiGauss(int samples, double noise, IRandomSource random)
    {
        var points = new List<Example2D>(samples);
        const double radius = 6;
        static double Label(double x, double y)
        {
            double label = 0;
            foreach (var (cx, cy, sign) in Gaussians)
            {
                double scaled = D3Linear(Distance(x, y, cx, cy), 0, 2, 1, 0, clamp: true);
                if (Math.Abs(sign * scaled) > Math.Abs(label)) label = sign * scaled;
            }
            return label;
        }
        for (int i = 0; i < samples; i++)
        {
            double x = Uniform(random, -radius, radius);
            double y = Uniform(random, -radius, radius);
            double noiseX = Uniform(random, -radius, radius) * noise;
            double noiseY = Uniform(random, -radius, radius) * noise;
            points.Add(new Example2D(x, y, Label(x + noiseX, y + noiseY)));
        }
        return points;
    }
}
