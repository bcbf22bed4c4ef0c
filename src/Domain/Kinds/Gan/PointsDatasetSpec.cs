using Dojo.Domain.Datasets;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Kinds.Gan;

/// <summary>The 2-D targets a GAN learns: a ring of 8 Gaussians, a 5×5 grid of 25, the playground's two-armed spiral.</summary>
public enum PointsShape { Ring, Grid, Spiral }

/// <summary>
/// Points in the plane for a GAN to imitate, <see cref="Samples"/> of them drawn from <see cref="DatasetSpec.Seed"/>:
/// a ring of 8 Gaussians of radius 2, a grid of 25 at −4, −2, 0, 2, 4 on each axis (each Gaussian of σ
/// <see cref="Std"/>, default 0.1; VEEGAN's and PacGAN's sharper ring has 0.02), or the playground's spiral (its
/// formula; <see cref="Std"/> is its uniform noise, default 0). The ring
/// and the grid have modes (their centres, each point labelled by its own), against which a generator's coverage is
/// counted; the spiral's labels are its two arms.
/// </summary>
public sealed record PointsDatasetSpec : DatasetSpec
{
    public PointsShape Shape { get; init; } = PointsShape.Ring;
    public int Samples { get; init; } = 2000;
    public double? Std { get; init; }

    public override string ForKind() => JobKinds.Gan;

    /// <summary>The spread of each mode (or the spiral's noise).</summary>
    public double Spread() => Std ?? (Shape == PointsShape.Spiral ? 0 : 0.1);

    /// <summary>The modes' centres (none for the spiral).</summary>
    public IReadOnlyList<(double X, double Y)> Modes() => Shape switch
    {
        PointsShape.Ring => Enumerable.Range(0, 8).Select(k => (2 * Math.Cos(2 * Math.PI * k / 8), 2 * Math.Sin(2 * Math.PI * k / 8))).ToList(),
        PointsShape.Grid => Enumerable.Range(0, 25).Select(k => (-4.0 + 2 * (k / 5), -4.0 + 2 * (k % 5))).ToList(),
        _ => [],
    };

    public override int[] SampleShape() => [2];

    /// <summary>Labels: a point's mode, or the spiral's arm (what a conditional GAN is given).</summary>
    public override int ClassCount() => Shape == PointsShape.Spiral ? 2 : Modes().Count;

    public override LabelEncoding Labels() => LabelEncoding.ClassIndex;

    /// <summary>All points train; the generator is judged against fresh draws, not a held-out part.</summary>
    public override (int Train, int Validation, int Test) SplitSizes() => (Samples, 0, 0);

    public override void Validate(SpecLimits limits, ValidationErrors errors, string path)
    {
        if (Samples < 100 || Samples > limits.MaxSamples) errors.Add($"{path}.samples", $"must be between 100 and {limits.MaxSamples}");
        if (Std is { } std && (!double.IsFinite(std) || std < 0 || std > 2)) errors.Add($"{path}.std", "must be between 0 and 2");
    }
}
