using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>An ordered list of layers, applied to the data set's input features.</summary>
public sealed record NetworkSpec
{
    public IReadOnlyList<LayerSpec> Layers { get; init; } = [];

    /// <summary>Weight initialisation for every dense layer that does not name its own.</summary>
    public InitSpec? Init { get; init; }
}

[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(DenseLayer), "dense")]
[JsonDerivedType(typeof(ActivationLayer), "activation")]
[JsonDerivedType(typeof(DropoutLayer), "dropout")]
[JsonDerivedType(typeof(BatchNormLayer), "batchNorm")]
public abstract record LayerSpec;

public sealed record DenseLayer(int Units) : LayerSpec
{
    public InitSpec? Init { get; init; }
    public bool Bias { get; init; } = true;
}

public sealed record ActivationLayer(ActivationFunction Function) : LayerSpec;

public sealed record DropoutLayer(double Rate) : LayerSpec;

public sealed record BatchNormLayer : LayerSpec
{
    public double Momentum { get; init; } = 0.1;
    public double Epsilon { get; init; } = 1e-5;
}

/// <summary>
/// Weight initialisation. <c>normal</c> uses <see cref="Std"/> (the course's N(0, 0.01));
/// <c>xavier</c> and <c>he</c> scale by fan-in/fan-out with the given distribution;
/// <c>uniform</c> draws from [A, B]. Biases start at <see cref="BiasValue"/>.
/// </summary>
public sealed record InitSpec(InitKind Kind)
{
    public double Std { get; init; } = 0.01;
    public InitDistribution Distribution { get; init; } = InitDistribution.Normal;
    public double A { get; init; } = -0.5;
    public double B { get; init; } = 0.5;
    public double BiasValue { get; init; }

    public static InitSpec Default { get; } = new(InitKind.Xavier) { Distribution = InitDistribution.Uniform };
}
