namespace Dojo.Bench;

public static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        double rank = p / 100 * (sorted.Length - 1);
        int low = (int)Math.Floor(rank), high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static string Summary(IReadOnlyList<double> ms) =>
        $"n={ms.Count,5}  p50={Median(ms),8:F1} ms  p99={Percentile(ms, 99),8:F1} ms  max={ms.Max(),8:F1} ms";
}
