using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// Inverted dropout whose mask comes from the job's own generator, not libtorch's process-wide one,
/// so concurrent jobs stay reproducible and a resumed job draws the same masks as an uninterrupted one.
/// </summary>
public sealed class SeededDropout(double rate, Generator generator) : nn.Module<Tensor, Tensor>(nameof(SeededDropout))
{
    // Held, not converted per call: TorchSharp leaves implicit Scalars to the GC (see OutputHead).
    private readonly Scalar _rate = rate, _scale = 1 / (1 - rate);

    public override Tensor forward(Tensor input)
    {
        if (!training || rate == 0) return input.alias();
        using var keep = rand(input.shape, dtype: input.dtype, generator: generator).ge_(_rate).to(input.device);
        return input.mul(keep).mul_(_scale);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rate.Dispose();
            _scale.Dispose();
        }
        base.Dispose(disposing);
    }
}
