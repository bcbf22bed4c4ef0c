using Dojo.Domain.Specs;

namespace Dojo.Domain.Datasets;

/// <summary>How labels are written: playground classes as ±1, class indices 0…K−1, or real values (regression).</summary>
public enum LabelEncoding { PlusMinusOne, ClassIndex, Value }

/// <summary>
/// The splits a supervised job trains, validates and tests on, with the shape of one sample ([features] or
/// [1, height, width]) and the number of classes (0: regression). Playground data validate on their test
/// split, as the playground does; image data hold out part of the training images for validation.
/// </summary>
public sealed record TrainingData(DataSplit Train, DataSplit Validation, DataSplit Test, int[] SampleShape, int Classes,
    LabelEncoding Labels, IRandomSource? Stream = null)
{
    public bool IsRegression => Classes == 0;

    /// <summary>The classes' names in output order ("-1", "+1" for playground data; the original labels for images).</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = Labels == LabelEncoding.PlusMinusOne ? ["-1", "+1"] : [];

    /// <summary>Images: how pixels were scaled (predictions scale theirs the same way).</summary>
    public Jobs.InputScaling? Scaling { get; init; }

    public static TrainingData Load(DatasetSpec spec, string builtinDirectory, string? uploadsDirectory = null) => spec switch
    {
        PlaygroundDatasetSpec playground => FromPlayground(PlaygroundData.Generate(playground), playground),
        ImageDatasetSpec images => ImageData.Load(images, builtinDirectory, uploadsDirectory),
        Kinds.Supervised.RecallDatasetSpec recall => RecallData.Generate(recall),
        _ => throw new NotSupportedException($"{spec.Kind} data sets are not supervised training data"),
    };

    public static TrainingData FromPlayground(PlaygroundDataset data, PlaygroundDatasetSpec spec) => new(
        data.Train, data.Test, data.Test, [spec.Features.Count], data.IsRegression ? 0 : 2,
        data.IsRegression ? LabelEncoding.Value : LabelEncoding.PlusMinusOne, data.Stream);
}
