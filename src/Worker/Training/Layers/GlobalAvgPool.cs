using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>The mean of each channel over height and width: [N, C, H, W] → [N, C].</summary>
public sealed class GlobalAvgPool() : nn.Module<Tensor, Tensor>(nameof(GlobalAvgPool))
{
    public override Tensor forward(Tensor input) => input.mean([2L, 3L]);
}
