using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>The step activation (1 for x &gt; 0, else 0). Its gradient is zero everywhere, as the course shows.</summary>
public sealed class Step() : nn.Module<Tensor, Tensor>(nameof(Step))
{
    private readonly Scalar _zero = 0; // held: TorchSharp leaves implicit Scalars to the GC (see OutputHead)

    public override Tensor forward(Tensor input)
    {
        using var positive = input.gt(_zero);
        return positive.to_type(input.dtype);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _zero.Dispose();
        base.Dispose(disposing);
    }
}
