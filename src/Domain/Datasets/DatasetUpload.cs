using Dojo.Domain.Specs;

namespace Dojo.Domain.Datasets;

/// <summary>What an upload holds: labelled samples (images or rows of features), a time series, or a text.</summary>
public enum UploadContent { Samples, Series, Text }

/// <summary>
/// What a job needs to know of an uploaded data set: one sample's shape, the classes, the size, the pixel range (0: raw
/// values). A series: its number of values (one feature, no classes). A text: its characters, and its alphabet (the
/// distinct characters, in order: the tokens), whose size is <see cref="Classes"/>.
/// </summary>
public sealed record UploadInfo(int[] SampleShape, int Classes, int Count, int PixelMax)
{
    public UploadContent Content { get; init; }

    public string? Alphabet { get; init; }

    public string Describe() => Content switch
    {
        UploadContent.Series => "a time series",
        UploadContent.Text => "a text",
        _ => "labelled samples (images or features)",
    };
}

/// <summary>A refused upload, keyed by the form field to name in the 400.</summary>
public sealed class UploadException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// A data set a user uploaded (IDX image and label files, or CSV), stored once under the data directory as
/// IDX files (<c>datasets/{id}/images.idx.gz</c>, <c>labels.idx.gz</c>) and referenced by jobs by its id.
/// </summary>
public sealed class DatasetUpload
{
    private DatasetUpload() { }

    public Guid Id { get; private set; }
    public Guid OwnerId { get; private set; }
    public string Name { get; private set; } = "";
    /// <summary>"idx" or "csv": what was uploaded.</summary>
    public string Format { get; private set; } = "";
    public string InfoJson { get; private set; } = "";
    public long StoredBytes { get; private set; }
    public DateTime CreatedAt { get; private set; }

    public UploadInfo Info => SpecJson.DeserializeStored<UploadInfo>(InfoJson);

    public static DatasetUpload Create(Guid id, Guid ownerId, string name, string format, UploadInfo info, long storedBytes, DateTime now) => new()
    {
        Id = id, OwnerId = ownerId, Name = name, Format = format, InfoJson = SpecJson.Serialize(info), StoredBytes = storedBytes, CreatedAt = now,
    };

    /// <summary>
    /// Checks an IDX pair as uploaded: images [N, H, W] (or [N, features]) of bytes or floats, labels [N] of bytes,
    /// the same N, at most <paramref name="maxSamples"/>, labels below <paramref name="declaredClasses"/> (when given;
    /// else the classes are 0 … the largest label, at least two).
    /// </summary>
    public static UploadInfo CheckIdx(IdxFile.Header images, IdxFile.Content labels, int maxSamples, int? declaredClasses)
    {
        if (images.Dimensions.Length is not (2 or 3))
            throw new UploadException("images", $"has {images.Dimensions.Length} dimensions; expected [count, height, width] or [count, features]");
        if (labels.Dimensions.Length != 1 || labels.Floats is not null)
            throw new UploadException("labels", "must be one dimension of unsigned bytes (one label per image)");
        int count = images.Dimensions[0];
        if (labels.Dimensions[0] != count)
            throw new UploadException("labels", $"has {labels.Dimensions[0]} labels for {count} images");
        if (count > maxSamples) throw new UploadException("images", $"has {count} samples; the limit is {maxSamples} (Dojo:Limits:MaxSamples)");
        if (images.Dimensions.Length == 3 && (images.Dimensions[1] > 256 || images.Dimensions[2] > 256))
            throw new UploadException("images", $"images of {images.Dimensions[1]}×{images.Dimensions[2]} are larger than 256×256");
        return new UploadInfo(images.Dimensions.Length == 3 ? [1, images.Dimensions[1], images.Dimensions[2]] : [images.Dimensions[1]],
            Classes(labels.Data, declaredClasses), count, images.Type == IdxFile.Float32 ? 0 : 255);
    }

    /// <summary>The number of classes: the declared one, every label below it; or the largest label + 1.</summary>
    public static int Classes(IReadOnlyList<byte> labels, int? declared)
    {
        if (declared is < 2 or > 256) throw new UploadException("classes", "must be between 2 and 256");
        for (int i = 0; i < labels.Count; i++)
            if (declared is { } k && labels[i] >= k)
                throw new UploadException("labels", $"label {labels[i]} of sample {i} is outside 0…{k - 1} (classes = {k})");
        int classes = declared ?? (labels.Count == 0 ? 0 : labels.Max() + 1);
        if (classes < 2) throw new UploadException("labels", "need at least two classes (labels 0 and 1)");
        return classes;
    }
}
