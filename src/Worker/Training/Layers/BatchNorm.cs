using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// Batch normalisation over features ([N, C]) or channels ([N, C, H, W]), as TorchSharp's BatchNorm1d/2d — the same
/// parameters and buffers under the same names, so state dicts load either way — but counting its batches with a
/// held Scalar: TorchSharp's own adds an implicit 1 that the GC may free while libtorch reads it (see <see cref="Held"/>).
/// </summary>
public sealed class BatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _epsilon, _momentum;

    public BatchNorm(long features, double epsilon, double momentum) : base(nameof(BatchNorm))
    {
        (_epsilon, _momentum) = (epsilon, momentum);
        register_parameter("weight", new Parameter(ones(features)));
        register_parameter("bias", new Parameter(zeros(features)));
        register_buffer("running_mean", zeros(features));
        register_buffer("running_var", ones(features));
        register_buffer("num_batches_tracked", tensor(0L));
    }

    public override Tensor forward(Tensor input)
    {
        // Looked up by name each time: moving the module to a device replaces the registered tensors.
        if (training)
            using (no_grad()) Buffer("num_batches_tracked").add_(Held.One, Held.One);
        return nn.functional.batch_norm(input, Buffer("running_mean"), Buffer("running_var"), get_parameter("weight"), get_parameter("bias"),
            training, _momentum, _epsilon);
    }

    private Tensor Buffer(string name) => get_buffer(name) ?? throw new InvalidOperationException($"batch norm without its {name}");
}
