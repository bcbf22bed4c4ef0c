using System.IO.Compression;
using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

/// <summary>The shipped image data sets, their IDX files and their seeded splits.</summary>
public sealed class ImageDataTests
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "datasets");

    private static BuiltinDatasetSpec Digits() => new() { Name = BuiltinDataset.Digits };

    [Fact]
    public void The_shipped_files_hold_what_their_sources_say()
    {
        var mnist = IdxFile.Read(Path.Combine(Shipped, "mnist-subset", "images.idx.gz"));
        var mnistLabels = IdxFile.Read(Path.Combine(Shipped, "mnist-subset", "labels.idx.gz"));
        Assert.Equal([10_000, 28, 28], mnist.Dimensions);
        Assert.Equal(10, mnistLabels.Data.Distinct().Count());
        var digits = IdxFile.Read(Path.Combine(Shipped, "digits", "images.idx.gz"));
        Assert.Equal([1797, 8, 8], digits.Dimensions);
        Assert.Equal(16, digits.Data.Max());
    }

    [Fact]
    public void A_seed_splits_the_same_way_every_time_and_another_seed_differently()
    {
        var spec = Digits() with { TestCount = 300, ValidationPercent = 10 };
        var a = ImageData.Load(spec, Shipped);
        var b = ImageData.Load(spec, Shipped);
        var c = ImageData.Load(spec with { Seed = 2 }, Shipped);

        Assert.Equal((1348, 149, 300), (a.Train.Count, a.Validation.Count, a.Test.Count)); // 1797 − 300 = 1497; 10 % of it validates
        Assert.Equal(a.Train.Features, b.Train.Features);
        Assert.NotEqual(a.Train.Features, c.Train.Features);
        Assert.Equal([1, 8, 8], a.SampleShape);
        Assert.Equal((10, LabelEncoding.ClassIndex), (a.Classes, a.Labels));
        Assert.InRange(a.Train.Features.Max(), 0.99f, 1f); // unit: pixels / 16
    }

    [Fact]
    public void A_built_in_file_replaced_on_disk_is_read_again()
    {
        // Built-in files are unpacked once per process; a copy of digits whose images are then inverted must not be
        // served from what was read before.
        string shipped = Path.Combine(Path.GetTempPath(), "dojo-builtin-" + Guid.NewGuid().ToString("N"));
        string digits = Path.Combine(shipped, "digits");
        Directory.CreateDirectory(digits);
        try
        {
            foreach (var file in new[] { "images.idx.gz", "labels.idx.gz" }) File.Copy(Path.Combine(Shipped, "digits", file), Path.Combine(digits, file));
            var spec = Digits() with { TestCount = 300 };
            var before = ImageData.Load(spec, shipped);
            Assert.Equal(ImageData.Load(spec, Shipped).Train.Features, before.Train.Features);

            var images = IdxFile.Read(Path.Combine(digits, "images.idx.gz"));
            using (var target = File.Create(Path.Combine(digits, "images.idx.gz")))
                IdxFile.Write(target, images.Dimensions, images.Data.Select(b => (byte)(16 - b)).ToArray());
            File.SetLastWriteTimeUtc(Path.Combine(digits, "images.idx.gz"), DateTime.UtcNow.AddMinutes(1)); // a new time even on a coarse clock
            var after = ImageData.Load(spec, shipped);

            Assert.Equal(before.Train.Labels, after.Train.Labels);
            Assert.Equal(before.Train.Features.Select(x => 1 - x), after.Train.Features, new ToleranceComparer(1e-6f));
        }
        finally
        {
            Directory.Delete(shipped, recursive: true);
        }
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float value) => 0;
    }

    [Fact]
    public void Chosen_classes_are_renumbered_in_the_order_given()
    {
        var data = ImageData.Load(Digits() with { Classes = [7, 3], TestCount = 50 }, Shipped);
        Assert.Equal(2, data.Classes);
        Assert.Equal([0f, 1f], data.Train.Labels.Distinct().Order());
        Assert.InRange(data.Train.Count + data.Validation.Count + data.Test.Count, 350, 370); // ~180 of each digit
    }

    [Fact]
    public void Standardized_pixels_have_zero_mean_on_the_training_set()
    {
        var data = ImageData.Load(Digits() with { Normalization = Normalization.Standardize }, Shipped);
        Assert.InRange(data.Train.Features.Average(), -1e-3, 1e-3);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3 }, null)]
    [InlineData(new byte[] { 0, 0, 9, 1, 0, 0, 0, 3, 1, 2, 3 }, "data type 0x09")]
    [InlineData(new byte[] { 1, 2, 8, 1, 0, 0, 0, 3, 1, 2, 3 }, "wrong magic number")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3 }, "truncated")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3 }, "longer than")]
    [InlineData(new byte[] { 0, 0, 8 }, "shorter than an IDX header")]
    public void Idx_files_are_checked_raw_and_gzipped(byte[] content, string? problem)
    {
        var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(content);
        foreach (var bytes in new[] { content, gz.ToArray() })
        {
            if (problem is null)
                Assert.Equal([1, 2, 3], IdxFile.Read(new MemoryStream(bytes)).Data);
            else
                Assert.Contains(problem, Assert.Throws<IdxFormatException>(() => IdxFile.Read(new MemoryStream(bytes))).Message);
        }
    }
}

/// <summary>Fashion-MNIST: from Debian's package when installed, else a clear refusal naming the command.</summary>
public sealed class FashionMnistTests
{
    [Fact]
    public void Fashion_mnist_loads_its_official_split_when_installed_and_says_how_to_install_it_otherwise()
    {
        var spec = new BuiltinDatasetSpec { Name = BuiltinDataset.FashionMnist, TrainCount = 1000, TestCount = 300, Classes = [0, 9] };
        bool installed = BuiltinDatasets.All("datasets").Single(d => d.Name == BuiltinDataset.FashionMnist).Installed;
        if (!installed)
        {
            var refusal = Assert.Throws<DatasetUnavailableException>(() => ImageData.Load(spec, "datasets"));
            Assert.Contains("apt-get install dataset-fashion-mnist", refusal.Message);
            return;
        }
        var data = ImageData.Load(spec, "datasets");
        Assert.Equal((900, 100, 300), (data.Train.Count, data.Validation.Count, data.Test.Count));
        Assert.Equal(["T-shirt/top", "Ankle boot"], data.ClassNames);
        Assert.Equal([1, 28, 28], data.SampleShape);
    }
}
