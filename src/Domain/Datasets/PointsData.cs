using Dojo.Domain.Kinds.Gan;

namespace Dojo.Domain.Datasets;

/// <summary>Points of a <see cref="PointsDatasetSpec"/> [count, 2] with their labels, and how near a set of points comes to them.</summary>
public static class PointsData
{
    /// <summary><paramref name="count"/> points drawn from <paramref name="seed"/> (the training set uses the spec's seed; judging uses others).</summary>
    public static (float[] Points, int[] Labels) Draw(PointsDatasetSpec spec, int count, int seed)
    {
        var points = new float[count * 2];
        var labels = new int[count];
        if (spec.Shape == PointsShape.Spiral)
        {
            var spiral = PlaygroundData.Spiral(count, spec.Spread(), new SystemRandomSource(seed));
            for (int i = 0; i < count; i++)
                (points[2 * i], points[2 * i + 1], labels[i]) = ((float)spiral[i].X, (float)spiral[i].Y, spiral[i].Label > 0 ? 0 : 1);
            return (points, labels);
        }
        var random = new Random(seed);
        var modes = spec.Modes();
        double std = spec.Spread();
        for (int i = 0; i < count; i++)
        {
            int mode = random.Next(modes.Count);
            labels[i] = mode;
            points[2 * i] = (float)(modes[mode].X + std * Normal(random));
            points[2 * i + 1] = (float)(modes[mode].Y + std * Normal(random));
        }
        return (points, labels);
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>
    /// Which modes the points cover, and the share of points near any mode. A point belongs to its nearest mode when
    /// within 3σ of it (σ: the spec's spread, at least 0.01); a mode is covered when it holds at least a quarter of an
    /// even share (count / modes / 4), so a generator that piles onto a few modes covers only those.
    /// </summary>
    public static (IReadOnlyList<int> Covered, double NearShare) Coverage(PointsDatasetSpec spec, float[] points)
    {
        var modes = spec.Modes();
        int count = points.Length / 2;
        if (modes.Count == 0 || count == 0) return ([], 0);
        double reach = 3 * Math.Max(spec.Spread(), 0.01);
        var held = new int[modes.Count];
        int near = 0;
        for (int i = 0; i < count; i++)
        {
            double x = points[2 * i], y = points[2 * i + 1];
            int best = 0;
            double bestDistance = double.MaxValue;
            for (int m = 0; m < modes.Count; m++)
            {
                double d = Math.Sqrt((x - modes[m].X) * (x - modes[m].X) + (y - modes[m].Y) * (y - modes[m].Y));
                if (d < bestDistance) (best, bestDistance) = (m, d);
            }
            if (bestDistance > reach) continue;
            held[best]++;
            near++;
        }
        double fair = count / (double)modes.Count / 4;
        return (Enumerable.Range(0, modes.Count).Where(m => held[m] >= fair).ToList(), (double)near / count);
    }

    /// <summary>
    /// The energy distance between two sets of samples of <paramref name="dimensions"/> values each (points: 2; images:
    /// their pixels) (Székely &amp; Rizzo): 2·E|X − Y| − E|X − X′| − E|Y − Y′|, zero when the distributions are the
    /// same, with Euclidean distances over all pairs (in double).
    /// </summary>
    public static double EnergyDistance(float[] a, float[] b, int dimensions = 2)
    {
        double Mean(float[] p, float[] q)
        {
            double sum = 0;
            int n = p.Length / dimensions, m = q.Length / dimensions;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < m; j++)
                {
                    double squares = 0;
                    for (int d = 0; d < dimensions; d++)
                    {
                        double difference = p[i * dimensions + d] - q[j * dimensions + d];
                        squares += difference * difference;
                    }
                    sum += Math.Sqrt(squares);
                }
            return sum / ((double)n * m);
        }
        return 2 * Mean(a, b) - Mean(a, a) - Mean(b, b);
    }
}
