using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>The step activation (1 for x &gt; 0, else 0). Its gradient is zero everywhere, as the course shows.</summary>
public sealed class Step() : nn.Module<Tensor, Tensor>(nameof(Step))
{
    public override Tensor forward(Tensor input) => input.gt(0).to_type(input.dtype);
}
