using TorchSharp;

namespace Dojo.Worker.Training;

/// <summary>
/// Scalars for the constants of tensor arithmetic, held for the life of the process. TorchSharp converts a C# number
/// to a <see cref="Scalar"/> implicitly and leaves it to the GC, whose finalizer can free it while libtorch still
/// reads it (dotnet/TorchSharp#1434; seen as "Expected false to be true … toFloat" and "alpha must not be a floating
/// point number"). So no training or prediction code passes a bare number where a Scalar is taken: constants come
/// from here, other values are held by their owner (an optimizer's rates) or by a <c>using</c>. The same goes for the
/// alpha of <c>add</c>/<c>add_</c>, whose one-argument overloads convert an implicit 1: pass <see cref="One"/>.
/// </summary>
public static class Held
{
    public static Scalar Zero { get; } = 0;
    public static Scalar Half { get; } = 0.5;
    public static Scalar One { get; } = 1;
    public static Scalar Two { get; } = 2;
}
