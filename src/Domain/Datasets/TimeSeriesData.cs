using System.Globalization;
using Dojo.Domain.Kinds.Forecast;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Datasets;

/// <summary>Windows of one part of a series: inputs [count, lookback], targets [count, horizon] (scaled), and each window's first target index.</summary>
public sealed record SeriesWindows(float[] Inputs, float[] Targets, int[] Starts)
{
    public int Count => Starts.Length;
}

/// <summary>
/// A series as a forecast job learns it (<see cref="TimeSeriesDatasetSpec"/>): the values as they are, the values as
/// the network sees them (changes, when differenced; scaled by what the training part alone gives), and the training,
/// validation and test windows. Forecasts are turned back into the series' own units here, for RMSE and MAE and for
/// the forecast endpoint alike.
/// </summary>
public sealed class TimeSeriesData
{
    private readonly TimeSeriesDatasetSpec _spec;

    private TimeSeriesData(TimeSeriesDatasetSpec spec, double[] values)
    {
        _spec = spec;
        Values = values;
        var (trainEnd, testStart) = spec.Periods();
        // What the network sees before scaling: the values, or each step's change (index t: v[t] − v[t−1]; t = 0 has none).
        var raw = new double[values.Length];
        for (int t = 0; t < values.Length; t++) raw[t] = !spec.Difference ? values[t] : t == 0 ? 0 : values[t] - values[t - 1];
        var fitted = raw[(spec.Difference ? 1 : 0)..trainEnd]; // the training part alone
        (Offset, Scale) = spec.Scaling switch
        {
            SeriesScaling.Standardize => (fitted.Average(), StandardDeviation(fitted)),
            SeriesScaling.MinMax => (fitted.Min(), fitted.Max() - fitted.Min()),
            _ => (0.0, 1.0),
        };
        if (!(Scale > 0)) Scale = 1; // a constant training part
        Transformed = raw.Select(v => (float)((v - Offset) / Scale)).ToArray();
        Train = Windows(spec.WindowStarts(0, trainEnd));
        Validation = Windows(spec.WindowStarts(trainEnd, testStart));
        Test = Windows(spec.WindowStarts(testStart, values.Length));
    }

    /// <summary>The series in its own units.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>What the network sees at each index: the (differenced) value, scaled.</summary>
    public float[] Transformed { get; }

    public double Offset { get; }
    public double Scale { get; }
    public SeriesWindows Train { get; }
    public SeriesWindows Validation { get; }
    public SeriesWindows Test { get; }

    /// <summary>The validation windows, or the test windows when the spec keeps no validation part.</summary>
    public SeriesWindows Held => Validation.Count > 0 ? Validation : Test;

    public int Lookback => _spec.Lookback;
    public int Horizon => _spec.Horizon;

    public static TimeSeriesData Load(TimeSeriesDatasetSpec spec, string builtinDirectory, string? uploadsDirectory) =>
        new(spec, Read(spec, builtinDirectory, uploadsDirectory));

    public static TimeSeriesData From(TimeSeriesDatasetSpec spec, double[] values) => new(spec, values);

    /// <summary>
    /// The window's forecasts in the series' units: scaling undone, and for differenced series each change added onto
    /// the value before the window's first target (<paramref name="start"/>).
    /// </summary>
    public double[] ToValues(int start, ReadOnlySpan<float> predicted, double? lastKnown = null)
    {
        var values = new double[predicted.Length];
        double level = lastKnown ?? Values[start - 1];
        for (int k = 0; k < predicted.Length; k++)
        {
            double value = predicted[k] * Scale + Offset;
            values[k] = _spec.Difference ? level += value : value;
        }
        return values;
    }

    /// <summary>
    /// The <paramref name="steps"/> values after the series' end: <paramref name="predict"/> maps the last look-back
    /// values (as the network sees them) to the next horizon, which are appended and read in turn.
    /// </summary>
    public double[] Forecast(int steps, Func<float[], float[]> predict)
    {
        var seen = Transformed.ToList();
        var forecast = new List<double>(steps);
        double last = Values[^1];
        while (forecast.Count < steps)
        {
            var next = predict(seen.GetRange(seen.Count - Lookback, Lookback).ToArray());
            var values = ToValues(0, next, lastKnown: last);
            seen.AddRange(next);
            forecast.AddRange(values);
            last = values[^1];
        }
        return forecast.Take(steps).ToArray();
    }

    /// <summary>RMSE and MAE of forecasts (windows × horizon, in the network's units) against the series, and the naive forecast's RMSE.</summary>
    public (double Rmse, double Mae, double NaiveRmse) Errors(SeriesWindows windows, float[] predicted)
    {
        double squares = 0, absolutes = 0, naive = 0;
        int h = Horizon;
        for (int w = 0; w < windows.Count; w++)
        {
            int start = windows.Starts[w];
            var forecast = ToValues(start, predicted.AsSpan(w * h, h));
            for (int k = 0; k < h; k++)
            {
                double truth = Values[start + k], error = forecast[k] - truth, naiveError = Values[start - 1] - truth;
                squares += error * error;
                absolutes += Math.Abs(error);
                naive += naiveError * naiveError;
            }
        }
        int n = windows.Count * h;
        return (Math.Sqrt(squares / n), absolutes / n, Math.Sqrt(naive / n));
    }

    private SeriesWindows Windows(int[] starts)
    {
        int l = Lookback, h = Horizon;
        var inputs = new float[starts.Length * l];
        var targets = new float[starts.Length * h];
        for (int w = 0; w < starts.Length; w++)
        {
            Array.Copy(Transformed, starts[w] - l, inputs, w * l, l);
            Array.Copy(Transformed, starts[w], targets, w * h, h);
        }
        return new SeriesWindows(inputs, targets, starts);
    }

    private static double StandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }

    /// <summary>The series' values: a shipped CSV's second column, the seeded sine, or an upload's values.</summary>
    public static double[] Read(TimeSeriesDatasetSpec spec, string builtinDirectory, string? uploadsDirectory) => spec.Series switch
    {
        BuiltinSeries.Sine => Sine(spec.SineLength, spec.Period ?? 25, spec.Noise ?? 0.1, spec.Seed),
        BuiltinSeries { } series => ReadCsv(Path.Combine(builtinDirectory, "series", SpecJson.Name(series) + ".csv")),
        null => ReadCsv(Path.Combine(uploadsDirectory ?? throw new InvalidOperationException("uploads need the data directory"),
            spec.UploadId!.Value.ToString("N"), SeriesFile)),
    };

    /// <summary>An uploaded series as stored: a CSV with a header line and one value per line.</summary>
    public const string SeriesFile = "series.csv";

    private static double[] ReadCsv(string path) => File.ReadLines(path).Skip(1)
        .Where(line => line.Length > 0)
        .Select(line => double.Parse(line[(line.LastIndexOf(',') + 1)..], CultureInfo.InvariantCulture))
        .ToArray();

    /// <summary>sin(2πt / period) plus Gaussian noise from the seed (Box–Muller over .NET's seeded generator).</summary>
    public static double[] Sine(int length, double period, double noise, int seed)
    {
        var random = new Random(seed);
        var values = new double[length];
        for (int t = 0; t < length; t++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            double gaussian = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            values[t] = Math.Sin(2 * Math.PI * t / period) + noise * gaussian;
        }
        return values;
    }
}
