using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

// TorchSharp's ELU, Softplus and Softsign convert their constants to Scalars that the GC may free while libtorch reads
// them (see Held); these compute the same functions with held ones.

/// <summary>ELU: x for x &gt; 0, e^x − 1 otherwise (α = 1).</summary>
public sealed class Elu() : nn.Module<Tensor, Tensor>(nameof(Elu))
{
    public override Tensor forward(Tensor input) => input.elu(Held.One, Held.One, Held.One);
}

/// <summary>Softplus: log(1 + e^x), as max(x, 0) + log(1 + e^−|x|), which neither overflows nor loses its gradient.</summary>
public sealed class Softplus() : nn.Module<Tensor, Tensor>(nameof(Softplus))
{
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return input.relu().add(input.abs().neg().exp().log1p(), Held.One).MoveToOuterDisposeScope(); // out of place: autograd keeps each result
    }
}

/// <summary>Softsign: x / (1 + |x|).</summary>
public sealed class Softsign() : nn.Module<Tensor, Tensor>(nameof(Softsign))
{
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return input.div(input.abs().add(Held.One, Held.One)).MoveToOuterDisposeScope();
    }
}

/// <summary>Leaky ReLU: x where x ≥ 0, slope·x below (its slope a Scalar held for the module's life, not one converted per call).</summary>
public sealed class LeakyRelu(double slope) : nn.Module<Tensor, Tensor>(nameof(LeakyRelu))
{
    private readonly Scalar _slope = slope;

    public override Tensor forward(Tensor input) => input.leaky_relu(_slope);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _slope.Dispose();
        base.Dispose(disposing);
    }
}
