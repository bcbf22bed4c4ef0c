using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>Each sample of a batch given a new shape: [batch, …] to [batch, shape…] (a view where the memory allows).</summary>
public sealed class Reshape(IReadOnlyList<int> shape) : nn.Module<Tensor, Tensor>(nameof(Reshape))
{
    private readonly long[] _shape = shape.Select(d => (long)d).ToArray();

    public override Tensor forward(Tensor input) => input.reshape([input.shape[0], .. _shape]);
}
