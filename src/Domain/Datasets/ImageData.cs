using System.Collections.Concurrent;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Datasets;

/// <summary>A data set that is not on this machine (Fashion-MNIST before its Debian package is installed).</summary>
public sealed class DatasetUnavailableException(string message) : Exception(message);

/// <summary>
/// Built-in image data sets from their IDX files, split by the job's seed: the chosen classes' images are
/// shuffled with the seed; the first <c>testCount</c> are the test set (unless the data set has an official
/// test split), the next <c>trainCount</c> the training set, whose last <c>validationPercent</c> % are held out
/// for validation. Pixels are scaled as <see cref="Normalization"/> says.
/// </summary>
public static class ImageData
{
    /// <param name="uploadsDirectory">Where uploaded data sets are stored (<c>{DataDirectory}/datasets</c>).</param>
    public static TrainingData Load(ImageDatasetSpec spec, string builtinDirectory, string? uploadsDirectory = null)
    {
        var info = spec is UploadDatasetSpec upload ? Uploaded(upload, uploadsDirectory)
            : BuiltinDatasets.All(builtinDirectory).Single(d => d.Name == ((BuiltinDatasetSpec)spec).Name);
        if (!info.Installed)
            throw new DatasetUnavailableException(
                $"{(spec is UploadDatasetSpec u ? $"upload {u.UploadId}" : SpecJson.Name(info.Name))} is not available on this worker ({info.InstallHint})");
        var chosen = spec.Classes ?? Enumerable.Range(0, info.Classes).ToList();
        var labelOf = chosen.Select((label, index) => (label, index)).ToDictionary(x => x.label, x => x.index);
        var random = new Random(spec.Seed);

        Func<string, string, Images> read = spec is UploadDatasetSpec ? Images.Read : Images.ReadBuiltin;
        int[] trainPool, testPool;
        Images trainImages, testImages;
        if (info.OfficialTest is not null)
        {
            trainImages = read(Path.Combine(info.Folder, "train-images-idx3-ubyte.gz"), Path.Combine(info.Folder, "train-labels-idx1-ubyte.gz"));
            testImages = read(Path.Combine(info.Folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(info.Folder, "t10k-labels-idx1-ubyte.gz"));
            trainPool = Shuffled(trainImages, labelOf, random);
            testPool = Shuffled(testImages, labelOf, random);
            testPool = testPool[..Math.Min(spec.TestCount ?? testPool.Length, testPool.Length)];
        }
        else
        {
            trainImages = testImages = read(Path.Combine(info.Folder, "images.idx.gz"), Path.Combine(info.Folder, "labels.idx.gz"));
            var all = Shuffled(trainImages, labelOf, random);
            int testCount = Math.Min(spec.TestCount ?? all.Length / 5, all.Length);
            testPool = all[..testCount];
            trainPool = all[testCount..];
        }
        int trainCount = Math.Min(spec.TrainCount ?? trainPool.Length, trainPool.Length);
        int validationCount = trainCount * spec.ValidationPercent / 100;
        var train = trainPool[..(trainCount - validationCount)];
        var validation = trainPool[(trainCount - validationCount)..trainCount];

        var (offset, scale) = Scaling(spec.Normalization, info.PixelMax, trainImages, train);
        return new TrainingData(
            trainImages.Split(train, labelOf, offset, scale),
            trainImages.Split(validation, labelOf, offset, scale),
            testImages.Split(testPool, labelOf, offset, scale),
            spec.AsSequence ? ImageDatasetSpec.Rows(info.Shape ?? info.SampleShape) : info.Shape ?? info.SampleShape, labelOf.Count, LabelEncoding.ClassIndex)
        {
            ClassNames = chosen.Select(label => info.ClassNames?[label] ?? label.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            Scaling = new Jobs.InputScaling(info.Shape ?? info.SampleShape, offset, scale, info.PixelMax),
        };
    }

    /// <summary>An upload described like a built-in data set (its files are in the same layout).</summary>
    private static BuiltinInfo Uploaded(UploadDatasetSpec spec, string? uploadsDirectory)
    {
        var upload = spec.Upload ?? throw new InvalidOperationException("the upload's description is filled in at submit");
        string folder = Path.Combine(uploadsDirectory ?? throw new InvalidOperationException("no uploads directory"), spec.UploadId!.Value.ToString("N"));
        int[] shape = upload.SampleShape;
        return new BuiltinInfo(default, folder, shape.Length == 3 ? shape[1] : 1, shape[^1], upload.Classes, upload.Count, upload.PixelMax,
            File.Exists(Path.Combine(folder, "labels.idx.gz")), "the upload's files are missing from the data directory") { Shape = shape };
    }

    /// <summary>
    /// Pixel → (pixel − offset) · scale: unit divides by the largest pixel value (raw uploaded values, max 0, stay as
    /// they are); standardize also centres on the training mean.
    /// </summary>
    private static (float Offset, float Scale) Scaling(Normalization normalization, int pixelMax, Images images, int[] train)
    {
        if (normalization == Normalization.None) return (0, 1);
        if (normalization == Normalization.Unit || train.Length == 0) return (0, pixelMax > 0 ? 1f / pixelMax : 1);
        double sum = 0, squares = 0;
        long n = (long)train.Length * images.PixelsPerImage;
        foreach (int i in train)
            for (long p = (long)i * images.PixelsPerImage, end = p + images.PixelsPerImage; p < end; p++)
            {
                double b = images.Pixel(p);
                sum += b;
                squares += b * b;
            }
        double mean = sum / n, std = Math.Sqrt(Math.Max(squares / n - mean * mean, 1e-12));
        return ((float)mean, (float)(1 / std));
    }

    private static int[] Shuffled(Images images, Dictionary<int, int> labelOf, Random random)
    {
        var chosen = Enumerable.Range(0, images.Count).Where(i => labelOf.ContainsKey(images.Labels[i])).ToArray();
        random.Shuffle(chosen);
        return chosen;
    }

    /// <summary>The images as stored (bytes, or floats for CSV features): scaled into float splits only for the samples a job uses.</summary>
    private sealed record Images(IdxFile.Content Pixels, byte[] Labels, int Count, int PixelsPerImage)
    {
        /// <summary>Built-in files as read, by their paths, with the write times and lengths they were read at.</summary>
        private static readonly ConcurrentDictionary<(string Images, string Labels), (FileStamp Images, FileStamp Labels, Images Content)> Builtin = new();

        private readonly record struct FileStamp(DateTime Written, long Length)
        {
            public static FileStamp Of(string path)
            {
                var file = new FileInfo(path);
                return new FileStamp(file.LastWriteTimeUtc, file.Exists ? file.Length : -1);
            }
        }

        /// <summary>
        /// A built-in data set's files, unpacked once per process and shared (read only) by every job that uses them:
        /// each job used to gunzip mnistSubset's 7.8 MB onto the large-object heap (Fashion-MNIST: 55 MB), a visible
        /// part of a small job's time in a profile (README, "Using the cores"). They ship with Dojo or come from a
        /// Debian package; a file replaced on disk (another write time or length) is read again. Uploads are read per
        /// job: there can be any number of them.
        /// </summary>
        public static Images ReadBuiltin(string imagesPath, string labelsPath)
        {
            var (imagesStamp, labelsStamp) = (FileStamp.Of(imagesPath), FileStamp.Of(labelsPath));
            if (Builtin.TryGetValue((imagesPath, labelsPath), out var kept) && kept.Images == imagesStamp && kept.Labels == labelsStamp) return kept.Content;
            var images = Read(imagesPath, labelsPath);
            Builtin[(imagesPath, labelsPath)] = (imagesStamp, labelsStamp, images);
            return images;
        }

        public static Images Read(string imagesPath, string labelsPath)
        {
            var images = IdxFile.Read(imagesPath);
            var labels = IdxFile.Read(labelsPath);
            if (images.Dimensions.Length is < 2 or > 3 || labels.Dimensions.Length != 1 || images.Dimensions[0] != labels.Dimensions[0])
                throw new IdxFormatException($"{imagesPath}: {images.Dimensions.Length}-D images and {labels.Dimensions[0]} labels do not match");
            return new Images(images, labels.Data, labels.Dimensions[0], images.Dimensions.Skip(1).Aggregate(1, (a, b) => a * b));
        }

        public float Pixel(long index) => Pixels.Value(index);

        public DataSplit Split(int[] indices, Dictionary<int, int> labelOf, float offset, float scale)
        {
            var features = new float[indices.Length * PixelsPerImage];
            var labels = new float[indices.Length];
            for (int k = 0; k < indices.Length; k++)
            {
                int i = indices[k];
                var target = features.AsSpan(k * PixelsPerImage, PixelsPerImage);
                long first = (long)i * PixelsPerImage;
                for (int p = 0; p < target.Length; p++) target[p] = (Pixel(first + p) - offset) * scale;
                labels[k] = labelOf[Labels[i]];
            }
            return new DataSplit(features, labels, indices.Length, PixelsPerImage);
        }
    }
}
