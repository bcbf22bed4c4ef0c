namespace Dojo.Domain.Datasets;

/// <summary>The image data sets Dojo knows by name (see datasets/README.md for where each comes from).</summary>
public enum BuiltinDataset { Digits, MnistSubset, FashionMnist }

/// <summary>
/// What is known about a built-in image data set before loading it: its image size, classes and size, and
/// where its IDX files are. <see cref="OfficialTest"/> data sets come with their own test split (Fashion-MNIST);
/// the others are split by the job's seed.
/// </summary>
public sealed record BuiltinInfo(BuiltinDataset Name, string Folder, int Height, int Width, int Classes, int Count, int PixelMax,
    bool Installed, string InstallHint, int? OfficialTest = null, IReadOnlyList<string>? ClassNames = null)
{
    public int[] SampleShape => [1, Height, Width];

    /// <summary>Uploads of flat features: the sample shape when it is not an image's.</summary>
    public int[]? Shape { get; init; }
}

public static class BuiltinDatasets
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> puts its files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    public static IReadOnlyList<BuiltinInfo> All(string shippedDirectory) =>
    [
        new(BuiltinDataset.Digits, Path.Combine(shippedDirectory, "digits"), 8, 8, 10, 1797, 16, true, "shipped with Dojo"),
        new(BuiltinDataset.MnistSubset, Path.Combine(shippedDirectory, "mnist-subset"), 28, 28, 10, 10_000, 255, true, "shipped with Dojo"),
        new(BuiltinDataset.FashionMnist, FashionMnistDirectory, 28, 28, 10, 70_000, 255,
            File.Exists(Path.Combine(FashionMnistDirectory, "t10k-labels-idx1-ubyte.gz")),
            "sudo apt-get install dataset-fashion-mnist", OfficialTest: 10_000,
            ClassNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]),
    ];

    /// <summary>The data set's shape and classes without touching the disk (for checking specs at submit).</summary>
    public static BuiltinInfo Describe(BuiltinDataset name) => All("datasets").Single(d => d.Name == name);
}
