using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// Inverted dropout whose mask comes from the job's own generator, not libtorch's process-wide one,
/// so concurrent jobs stay reproducible and a resumed job draws the same masks as an uninterrupted one.
/// </summary>
public sealed class SeededDropout(double rate, Generator generator) : nn.Module<Tensor, Tensor>(nameof(SeededDropout))
{
    public override Tensor forward(Tensor input)
    {
        if (!training || rate == 0) return input.alias();
        using var keep = rand(input.shape, dtype: input.dtype, generator: generator).ge_(rate).to(input.device);
        return input * keep / (1 - rate);
    }
}
