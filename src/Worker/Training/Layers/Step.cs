using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>The step activation (1 for x &gt; 0, else 0). Its gradient is zero everywhere, as the course shows.</summary>
public sealed class Step() : nn.Module<Tensor, Tensor>(nameof(Step))
{
    public override Tensor forward(Tensor input)
    {
        using var positive = input.gt(Held.Zero);
        return positive.to_type(input.dtype);
    }
}
