using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>
/// The data to train on. <c>kind: playground</c> — a TensorFlow Playground 2-D data set: the generator's
/// formula, <see cref="Samples"/> points (the playground uses 500 for classification and 1200 for
/// regression), noise 0–50 (percent, as in the playground's URL), the share used for training (10–90 %)
/// and the seed of the random stream. <c>kind: builtin</c> — an image data set by <see cref="Name"/>, split
/// into train / validation / test by <see cref="Seed"/>, optionally only some <see cref="Classes"/>, scaled
/// by <see cref="Normalization"/>. <c>kind: upload</c> — the same for an uploaded data set (<see cref="UploadId"/>).
/// </summary>
public sealed record DatasetSpec
{
    public const string PlaygroundKind = "playground";
    public const string BuiltinKind = "builtin";
    public const string UploadKind = "upload";

    public string Kind { get; init; } = PlaygroundKind;
    public PlaygroundGenerator Generator { get; init; } = PlaygroundGenerator.Xor;
    public int? Samples { get; init; }
    public double Noise { get; init; }
    public int TrainPercent { get; init; } = 50;
    public int Seed { get; init; } = 1;

    /// <summary>
    /// A playground seed text (the URL's <c>seed</c>): when given, the data come from seedrandom's stream
    /// for it, as on the page, instead of Dojo's own stream for <see cref="Seed"/>.
    /// </summary>
    public string? SeedText { get; init; }
    public IReadOnlyList<InputFeature> Features { get; init; } = [InputFeature.X1, InputFeature.X2];

    [JsonIgnore]
    public int SampleCount => Samples ?? (Generator.IsRegression() ? 1200 : 500);

    [JsonIgnore]
    public bool IsPlayground => Kind == PlaygroundKind;

    /// <summary>Built-in images: which data set.</summary>
    public Datasets.BuiltinDataset? Name { get; init; }

    /// <summary>Built-in images: training images (validation included); default all that are not test.</summary>
    public int? TrainCount { get; init; }

    /// <summary>Built-in images: test images; default the official test split, or 20 % of the images.</summary>
    public int? TestCount { get; init; }

    /// <summary>Built-in images: the share of the training images held out for per-epoch validation (0–50).</summary>
    public int ValidationPercent { get; init; } = 10;

    /// <summary>Built-in images: only these labels, renumbered 0, 1, … in the order given (e.g. [5, 6, 7, 8, 9]).</summary>
    public IReadOnlyList<int>? Classes { get; init; }

    public Normalization Normalization { get; init; } = Normalization.Unit;

    /// <summary>An uploaded data set (<c>kind: upload</c>): its id from <c>POST /api/datasets/uploads</c>.</summary>
    public Guid? UploadId { get; init; }

    /// <summary>The upload's shape, classes and size, filled in at submit (so that checks and workers need not look it up).</summary>
    public Datasets.UploadInfo? Upload { get; init; }

    /// <summary>Images (built in or uploaded): split, filtered and scaled the same way.</summary>
    [JsonIgnore]
    public bool IsImages => Kind is BuiltinKind or UploadKind;
}

/// <summary>How pixels reach the network: <c>unit</c> scales to [0, 1]; <c>standardize</c> to zero mean and unit variance (training set's); <c>none</c> keeps raw values.</summary>
public enum Normalization { Unit, Standardize, None }
