using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>
/// A TensorFlow Playground 2-D data set: the generator's formula, <see cref="Samples"/> points
/// (the playground uses 500 for classification and 1200 for regression), noise 0–50 (percent, as in
/// the playground's URL), the share used for training (10–90 %) and the seed of the random stream.
/// </summary>
public sealed record DatasetSpec
{
    public string Kind { get; init; } = "playground";
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
}
