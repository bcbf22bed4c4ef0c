using System.Text.Json.Serialization;
using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Forecast;

/// <summary>The series Dojo ships or makes: monthly airline passengers 1949–1960, yearly sunspots 1700–1988, a seeded noisy sine.</summary>
public enum BuiltinSeries { Airline, Sunspots, Sine }

/// <summary>How values reach the network, fitted on the training part only: zero mean and unit variance, [0, 1], or as they are.</summary>
public enum SeriesScaling { Standardize, MinMax, None }

/// <summary>
/// One series cut into windows: <see cref="Lookback"/> values in, the next <see cref="Horizon"/> out. The series is
/// split in time — training part, then <see cref="ValidationSteps"/>, then the last <see cref="TestSteps"/> values —
/// and a window belongs to the part its targets fall in, so nothing of a later period is learnt from, and scaling is
/// fitted on the training part alone. With <see cref="Difference"/> the network learns each step's change, and its
/// forecasts are added back onto the last known value. Without a validation part the test window is what each epoch
/// is measured on (as the playground's held-out points are).
/// </summary>
public sealed record TimeSeriesDatasetSpec : DatasetSpec, IUploadedDataset
{
    public BuiltinSeries? Series { get; init; }

    /// <summary>A series a user uploaded (<c>POST /api/datasets/uploads</c> with <c>series</c>), instead of a built-in one.</summary>
    public Guid? UploadId { get; init; }

    /// <summary>The upload's length, filled in at submit.</summary>
    public UploadInfo? Upload { get; init; }

    public int Lookback { get; init; } = 12;
    public int Horizon { get; init; } = 1;
    public int TestSteps { get; init; } = 24;
    public int ValidationSteps { get; init; }
    public SeriesScaling Scaling { get; init; } = SeriesScaling.Standardize;
    public bool Difference { get; init; }

    /// <summary>The sine's length (default 400), period in steps (25) and noise's standard deviation (0.1).</summary>
    public int? Length { get; init; }
    public double? Period { get; init; }
    public double? Noise { get; init; }

    public override string ForKind() => JobKinds.Forecast;

    public override int[] SampleShape() => [Lookback, 1];

    public override int ClassCount() => 0;

    public override LabelEncoding Labels() => LabelEncoding.Value;

    [JsonIgnore]
    public int SineLength => Length ?? 400;

    /// <summary>How many values the series has (known before it is loaded).</summary>
    public int SeriesLength() => Series switch
    {
        BuiltinSeries.Airline => 144,
        BuiltinSeries.Sunspots => 289,
        BuiltinSeries.Sine => SineLength,
        _ => Upload?.Count ?? 0,
    };

    /// <summary>Where the test part starts and where the training part ends, as indices into the series.</summary>
    public (int TrainEnd, int TestStart) Periods()
    {
        int test = SeriesLength() - TestSteps;
        return (test - ValidationSteps, test);
    }

    /// <summary>The windows whose targets fall in [<paramref name="from"/>, <paramref name="to"/>): their first target's index.</summary>
    public int[] WindowStarts(int from, int to)
    {
        int first = Math.Max(from, Lookback + (Difference ? 1 : 0));
        return first > to - Horizon ? [] : Enumerable.Range(first, to - Horizon - first + 1).ToArray();
    }

    public override (int Train, int Validation, int Test) SplitSizes()
    {
        var (trainEnd, testStart) = Periods();
        return (WindowStarts(0, trainEnd).Length, WindowStarts(trainEnd, testStart).Length, WindowStarts(testStart, SeriesLength()).Length);
    }

    /// <summary>The series' name (<c>airline</c>), or the upload it is.</summary>
    [JsonIgnore]
    public string SeriesName => Series is { } series ? SpecJson.Name(series) : $"upload {UploadId}";

    [JsonIgnore]
    public string Described => Series is null ? SeriesName : $"'{SeriesName}'";

    public string? Refuses(UploadInfo upload) => upload.Content == UploadContent.Series ? null : $"holds {upload.Describe()}, not a series; upload a CSV as the part series";

    public DatasetSpec WithUpload(UploadInfo upload) => this with { Upload = upload };

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (Series is null == UploadId is null)
        {
            errors.Add($"{path}.series", $"give one of series ({SpecJson.AllowedNames<BuiltinSeries>()}) or uploadId");
            return;
        }
        if (UploadId is not null && Upload is null)
        {
            errors.Add($"{path}.uploadId", "is not an uploaded series");
            return;
        }
        if (Series != BuiltinSeries.Sine)
            foreach (var (value, name) in new (object?, string)[] { (Length, "length"), (Period, "period"), (Noise, "noise") })
                if (value is not null) errors.Add($"{path}.{name}", "is for the sine series only");
        if (Series == BuiltinSeries.Sine)
        {
            if (SineLength < 50 || SineLength > limits.MaxSamples) errors.Add($"{path}.length", $"must be between 50 and {limits.MaxSamples}");
            if (Period is { } period && !(period >= 2 && double.IsFinite(period))) errors.Add($"{path}.period", "must be at least 2 steps");
            if (Noise is { } noise) errors.NonNegative(noise, $"{path}.noise");
        }
        if (Lookback < 1) errors.Add($"{path}.lookback", "must be at least 1");
        if (Horizon < 1) errors.Add($"{path}.horizon", "must be at least 1");
        if (TestSteps < Horizon) errors.Add($"{path}.testSteps", $"must be at least the horizon ({Horizon}), so that one test window exists");
        if (ValidationSteps != 0 && ValidationSteps < Horizon) errors.Add($"{path}.validationSteps", $"must be 0 or at least the horizon ({Horizon})");
        if (errors.Count > 0) return;

        int length = SeriesLength(), trainEnd = Periods().TrainEnd;
        int longest = trainEnd - Horizon - (Difference ? 1 : 0);
        if (Lookback > longest)
            errors.Add($"{path}.lookback", longest < 1
                ? $"{Described} has {length} values; with {TestSteps} to test and {ValidationSteps} to validate, none are left to train on"
                : $"is {Lookback}, longer than the series allows: {Described} has {length} values, {trainEnd} of them before the validation and test parts, " +
                  $"so look-back + horizon{(Difference ? " + 1 (difference)" : "")} may be at most {trainEnd}: a look-back of at most {longest}");
    }
}
