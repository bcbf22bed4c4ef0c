using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// A 2-D convolution (the parameters of an <c>nn.Conv2d</c>, under its names <c>weight</c> and <c>bias</c>) computed on
/// the CPU in channels-last layout: oneDNN's convolutions work on [N, H, W, C] memory, so with the usual [N, C, H, W]
/// they reorder the input, the weights and the result on every call, forward and backward. Here the input and the
/// weights are handed over channels-last (a free view for one channel, a copy otherwise), so the result comes back
/// channels-last too and the layers after it — ReLU, pooling (vectorized across channels), the next convolution — keep
/// it without reordering; a flatten puts values back in [C, H, W] order, so the network computes the same function.
/// TorchSharp has no memory_format argument; the strides say it. The parameters stay [N, C, H, W]-contiguous (saved,
/// loaded and exported as before). Measured on LeNet (bench/run.sh --pytorch): the README's "Against PyTorch".
/// </summary>
public sealed class Conv : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv; // made the parameters; disposed with this module, not registered (the names stay weight, bias)
    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly long[] _stride, _padding;

    public Conv(Conv2d conv, long stride, long padding) : base(nameof(Conv))
    {
        _conv = conv;
        _weight = conv.weight!;
        _bias = conv.bias;
        _stride = [stride, stride];
        _padding = [padding, padding];
        register_parameter("weight", _weight);
        if (_bias is not null) register_parameter("bias", _bias);
    }

    public Parameter Weight => _weight;

    public override Tensor forward(Tensor input)
    {
        if (input.device_type != DeviceType.CPU || input.dim() != 4)
            return nn.functional.conv2d(input, _weight, _bias, _stride, _padding);
        using var x = ChannelsLast(input);
        using var w = ChannelsLast(_weight);
        return nn.functional.conv2d(x, w, _bias, _stride, _padding);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _conv.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The same values with channels-last strides (itself when they are already).</summary>
    public static Tensor ChannelsLast(Tensor t)
    {
        long n = t.shape[0], c = t.shape[1], h = t.shape[2], w = t.shape[3];
        long[] strides = [h * w * c, 1, w * c, c];
        if (t.stride().SequenceEqual(strides)) return t.alias();
        if (c == 1) // [N, 1, H, W] is the same memory in both layouts; only the strides differ
        {
            using var dense = t.contiguous();
            return dense.as_strided([n, c, h, w], strides, dense.storage_offset()); // a chunk of a larger tensor starts past 0
        }
        using var nhwc = t.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }
}
