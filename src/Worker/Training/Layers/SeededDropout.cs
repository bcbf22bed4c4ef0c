using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// Inverted dropout whose mask comes from the job's own generator, not libtorch's process-wide one,
/// so concurrent jobs stay reproducible and a resumed job draws the same masks as an uninterrupted one.
/// Without a generator (a network loaded for predictions) it runs in eval mode only.
/// </summary>
public sealed class SeededDropout(double rate, Generator? generator) : nn.Module<Tensor, Tensor>(nameof(SeededDropout))
{
    // Held, not converted per call: see Held.
    private readonly Scalar _rate = rate, _scale = 1 / (1 - rate);

    public override Tensor forward(Tensor input)
    {
        if (!training || rate == 0) return input.alias();
        var masks = generator ?? throw new InvalidOperationException("this network was built to run in eval mode only (no dropout generator)");
        using var keep = rand(input.shape, dtype: input.dtype, generator: masks).ge_(_rate).to(input.device);
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
