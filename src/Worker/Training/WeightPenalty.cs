using Dojo.Domain.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>The L1 and L2 penalties on the weight matrices (dense, convolution, recurrent, embedding; not the biases), added to the loss: λ₁·Σ|w| + λ₂/2·Σw².</summary>
public sealed class WeightPenalty(OptimizerSpec optimizer, IReadOnlyList<Tensor> weights) : IDisposable
{
    private readonly Scalar _l1 = optimizer.L1, _halfL2 = optimizer.L2 / 2;

    public Tensor AddTo(Tensor loss)
    {
        if (optimizer.L1 == 0 && optimizer.L2 == 0) return loss;
        var total = loss;
        foreach (var w in weights)
        {
            if (optimizer.L1 > 0) total = total.add(w.abs().sum().mul_(_l1), Held.One);
            if (optimizer.L2 > 0) total = total.add(w.mul(w).sum().mul_(_halfL2), Held.One); // not square(): it converts its 2 implicitly
        }
        return total;
    }

    public void Dispose()
    {
        _l1.Dispose();
        _halfL2.Dispose();
    }
}
