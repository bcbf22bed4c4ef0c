using System.Text.Json.Serialization;
using Dojo.Domain.Datasets;

namespace Dojo.Domain.Specs;

/// <summary>
/// The data a job learns from, one record per kind (JSON's <c>"kind"</c>; <c>playground</c> when absent):
/// <see cref="PlaygroundDatasetSpec"/>, <see cref="BuiltinDatasetSpec"/>, <see cref="UploadDatasetSpec"/>. Time
/// series, text and other sources join as records beside these, each with one line in <see cref="Catalog"/>.
/// </summary>
public abstract record DatasetSpec
{
    /// <summary>
    /// The kinds, and the members of the single record that described every data set before kinds existed (a
    /// stored spec of that build has all of them; those a kind does not have are dropped when it is read back).
    /// </summary>
    internal static KindCatalog Catalog { get; } = new KindCatalog("kind", PlaygroundKind,
            ["generator", "samples", "noise", "trainPercent", "seedText", "features", "name", "trainCount", "testCount",
             "validationPercent", "classes", "normalization", "uploadId", "upload"])
        .Add(PlaygroundKind, typeof(PlaygroundDatasetSpec))
        .Add(BuiltinKind, typeof(BuiltinDatasetSpec))
        .Add(UploadKind, typeof(UploadDatasetSpec))
        .Add(TimeSeriesKind, typeof(Kinds.Forecast.TimeSeriesDatasetSpec))
        .Add(TextKind, typeof(Kinds.LanguageModel.TextDatasetSpec))
        .Add(SequencePairsKind, typeof(Kinds.Seq2Seq.SequencePairsDatasetSpec))
        .Add(RecallKind, typeof(Kinds.Supervised.RecallDatasetSpec))
        .Add(PointsKind, typeof(Kinds.Gan.PointsDatasetSpec));

    public const string PlaygroundKind = "playground";
    public const string BuiltinKind = "builtin";
    public const string UploadKind = "upload";
    public const string TimeSeriesKind = "timeSeries";
    public const string TextKind = "text";
    public const string SequencePairsKind = "sequencePairs";
    public const string RecallKind = "recall";
    public const string PointsKind = "points";

    [JsonPropertyOrder(-1)]
    public string Kind => Catalog.NameOf(GetType());

    /// <summary>The seed of the data's randomness: the playground's random stream, or the images' shuffle and split.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The shape of one input sample: [features], or [1, height, width] for images.</summary>
    public abstract int[] SampleShape();

    /// <summary>How many classes the labels have (0: regression).</summary>
    public abstract int ClassCount();

    /// <summary>How the labels are written (±1, class indices, real values).</summary>
    public abstract LabelEncoding Labels();

    public abstract void Validate(SpecLimits limits, ValidationErrors errors, string path);

    /// <summary>About how many samples train, validate (each epoch) and test, before anything is loaded (for the cost estimate).</summary>
    public abstract (int Train, int Validation, int Test) SplitSizes();

    /// <summary>A data set made whole from a spec, split by percentages at random (the rest trains).</summary>
    protected static (int Train, int Validation, int Test) PercentSplit(int samples, int validationPercent, int testPercent)
    {
        int test = samples * testPercent / 100, validation = samples * validationPercent / 100;
        return (samples - test - validation, validation, test);
    }

    /// <summary>The validation and test percentages of such a split: each 1–40.</summary>
    protected static void CheckPercents(int validationPercent, int testPercent, ValidationErrors errors, string path)
    {
        if (validationPercent is < 1 or > 40) errors.Add($"{path}.validationPercent", "must be between 1 and 40");
        if (testPercent is < 1 or > 40) errors.Add($"{path}.testPercent", "must be between 1 and 40");
    }

    /// <summary>The job kind that learns from this kind of data set (time series: forecast; images and points: supervised).</summary>
    public virtual string ForKind() => JobKinds.Supervised;

    /// <summary>Every job kind that learns from this kind of data set: <see cref="ForKind"/>, and for images a GAN too.</summary>
    public virtual IReadOnlyList<string> ForKinds() => [ForKind()];

    /// <summary>A job of kind <paramref name="jobKind"/> learns from this data set, or the problem is named at <c>{path}.kind</c>.</summary>
    public bool CheckFor(string jobKind, ValidationErrors errors, string path)
    {
        if (ForKinds().Contains(jobKind)) return true;
        errors.Add($"{path}.kind", $"'{Kind}' data are for {string.Join(" or ", ForKinds())} jobs (\"kind\": \"{ForKind()}\" on the job), not for a {jobKind} job");
        return false;
    }
}

/// <summary>A data set read from a user's upload: its id, and what the upload holds, filled in at submit.</summary>
public interface IUploadedDataset
{
    Guid? UploadId { get; }

    UploadInfo? Upload { get; }

    /// <summary>Whether the upload holds this kind's data (images and labels, or a series), or why not.</summary>
    string? Refuses(UploadInfo upload);

    DatasetSpec WithUpload(UploadInfo upload);
}

/// <summary>
/// A TensorFlow Playground 2-D data set: the generator's formula, <see cref="Samples"/> points (the playground uses
/// 500 for classification and 1200 for regression), noise 0–50 (percent, as in the playground's URL), the share used
/// for training (10–90 %), and the features fed to the network, from the random stream of <see cref="DatasetSpec.Seed"/>.
/// </summary>
public sealed record PlaygroundDatasetSpec : DatasetSpec
{
    public PlaygroundGenerator Generator { get; init; } = PlaygroundGenerator.Xor;
    public int? Samples { get; init; }
    public double Noise { get; init; }
    public int TrainPercent { get; init; } = 50;

    /// <summary>
    /// A playground seed text (the URL's <c>seed</c>): when given, the data come from seedrandom's stream for it, as
    /// on the page, instead of Dojo's own stream for <see cref="DatasetSpec.Seed"/>.
    /// </summary>
    public string? SeedText { get; init; }

    public IReadOnlyList<InputFeature> Features { get; init; } = [InputFeature.X1, InputFeature.X2];

    [JsonIgnore]
    public int SampleCount => Samples ?? (Generator.IsRegression() ? 1200 : 500);

    public override int[] SampleShape() => [Features.Count];

    public override int ClassCount() => Generator.IsRegression() ? 0 : 2;

    public override LabelEncoding Labels() => Generator.IsRegression() ? LabelEncoding.Value : LabelEncoding.PlusMinusOne;

    /// <summary>The playground validates on its test split, as the page does.</summary>
    public override (int Train, int Validation, int Test) SplitSizes()
    {
        int train = (int)Math.Floor(SampleCount * TrainPercent / 100.0);
        return (train, SampleCount - train, SampleCount - train);
    }

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (SampleCount < 10 || SampleCount > limits.MaxSamples)
            errors.Add($"{path}.samples", $"must be between 10 and {limits.MaxSamples}");
        if (Noise is < 0 or > 50 || !double.IsFinite(Noise))
            errors.Add($"{path}.noise", "must be between 0 and 50 (percent, as in the playground)");
        if (TrainPercent is < 10 or > 90)
            errors.Add($"{path}.trainPercent", "must be between 10 and 90");
        if (Features.Count == 0)
            errors.Add($"{path}.features", "needs at least one input feature");
        else if (Features.Distinct().Count() != Features.Count)
            errors.Add($"{path}.features", "names a feature twice");
    }
}

/// <summary>
/// Images (or rows of features), split by <see cref="DatasetSpec.Seed"/> into train / validation / test, optionally
/// only some <see cref="Classes"/>, scaled by <see cref="Normalization"/>: built in or uploaded.
/// </summary>
public abstract record ImageDatasetSpec : DatasetSpec
{
    /// <summary>Training images (validation included); default all that are not test.</summary>
    public int? TrainCount { get; init; }

    /// <summary>Test images; default the official test split, or 20 % of the images.</summary>
    public int? TestCount { get; init; }

    /// <summary>The share of the training images held out for per-epoch validation (0–50).</summary>
    public int ValidationPercent { get; init; } = 10;

    /// <summary>Only these labels, renumbered 0, 1, … in the order given (e.g. [5, 6, 7, 8, 9]).</summary>
    public IReadOnlyList<int>? Classes { get; init; }

    public Normalization Normalization { get; init; } = Normalization.Unit;

    /// <summary>Images teach classifiers and GANs (which ignore the labels unless conditional).</summary>
    public override IReadOnlyList<string> ForKinds() => [JobKinds.Supervised, JobKinds.Gan];

    /// <summary>Read each image row by row, a row per time step: [height, width] instead of [1, height, width] (for recurrent layers).</summary>
    public bool AsSequence { get; init; }

    /// <summary>What the data set is called in messages, its labels, size and sample shape; null until it is named.</summary>
    protected abstract (string Described, int Classes, int Count, int[] Shape)? Describe(ValidationErrors? errors, string path);

    public override int[] SampleShape() => AsSequence ? Rows(Described().Shape) : Described().Shape;

    /// <summary>An image [1, height, width] as a sequence of its rows [height, width].</summary>
    public static int[] Rows(int[] image) => image.Length == 3 ? [image[1], image[2]] : image;

    public override int ClassCount() => Classes?.Count ?? Described().Classes;

    public override LabelEncoding Labels() => LabelEncoding.ClassIndex;

    public override (int Train, int Validation, int Test) SplitSizes()
    {
        var (_, allClasses, count, _) = Described();
        int chosen = (int)((long)count * (Classes?.Count ?? allClasses) / allClasses);
        int test = Math.Min(TestCount ?? chosen / 5, chosen);
        int train = Math.Min(TrainCount ?? chosen - test, Math.Max(chosen - test, 0));
        int validation = train * ValidationPercent / 100;
        return (train - validation, validation, test);
    }

    private (string Described, int Classes, int Count, int[] Shape) Described() =>
        Describe(null, "") ?? throw new InvalidOperationException($"a {Kind} data set without its name; the spec should have been refused at submit");

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (Describe(errors, path) is not { } description) return;
        var (described, allClasses, count, shape) = description;
        if (AsSequence && shape.Length != 3)
            errors.Add($"{path}.asSequence", $"reads an image's rows as steps; {described} has flat samples {ShapeInference.Format(shape)}");
        if (Classes is { } classes)
        {
            if (classes.Count < 2) errors.Add($"{path}.classes", "needs at least two labels");
            if (classes.Any(c => c < 0 || c >= allClasses)) errors.Add($"{path}.classes", $"labels of {described} are 0 to {allClasses - 1}");
            if (classes.Distinct().Count() != classes.Count) errors.Add($"{path}.classes", "names a label twice");
        }
        if (TrainCount is < 10) errors.Add($"{path}.trainCount", "must be at least 10");
        if (TestCount is < 1) errors.Add($"{path}.testCount", "must be at least 1");
        int available = count * (Classes?.Count ?? allClasses) / allClasses; // roughly: the classes are about balanced
        if (TrainCount + (TestCount ?? 0) > available)
            errors.Add($"{path}.trainCount", $"{described} has about {available} samples of the chosen classes; trainCount + testCount ask for more");
        if (ValidationPercent is < 0 or > 50) errors.Add($"{path}.validationPercent", "must be between 0 and 50");
    }
}

/// <summary>An image data set Dojo ships or installs from a package, by <see cref="Name"/>.</summary>
public sealed record BuiltinDatasetSpec : ImageDatasetSpec
{
    public BuiltinDataset? Name { get; init; }

    protected override (string, int, int, int[])? Describe(ValidationErrors? errors, string path)
    {
        if (Name is not { } name)
        {
            errors?.Add($"{path}.name", $"is required for a built-in data set: one of {SpecJson.AllowedNames<BuiltinDataset>()}");
            return null;
        }
        var info = BuiltinDatasets.Describe(name);
        return (SpecJson.Name(name), info.Classes, info.Count, info.SampleShape);
    }
}

/// <summary>A data set a user uploaded (<c>POST /api/datasets/uploads</c>), by <see cref="UploadId"/>.</summary>
public sealed record UploadDatasetSpec : ImageDatasetSpec, IUploadedDataset
{
    public Guid? UploadId { get; init; }

    /// <summary>The upload's shape, classes and size, filled in at submit (so that checks and workers need not look them up).</summary>
    public UploadInfo? Upload { get; init; }

    public string? Refuses(UploadInfo upload) => upload.Content == UploadContent.Samples ? null : $"holds {upload.Describe()}, not labelled samples";

    public DatasetSpec WithUpload(UploadInfo upload) => this with { Upload = upload };

    protected override (string, int, int, int[])? Describe(ValidationErrors? errors, string path)
    {
        if (UploadId is null || Upload is not { } upload)
        {
            errors?.Add($"{path}.uploadId", "is required for an uploaded data set: the id POST /api/datasets/uploads gave");
            return null;
        }
        return ($"upload {UploadId}", upload.Classes, upload.Count, upload.SampleShape);
    }
}

/// <summary>How pixels reach the network: <c>unit</c> scales to [0, 1]; <c>standardize</c> to zero mean and unit variance (training set's); <c>none</c> keeps raw values.</summary>
public enum Normalization { Unit, Standardize, None }
