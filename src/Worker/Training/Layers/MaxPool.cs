using TorchSharp;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Layers;

/// <summary>
/// Max pooling over k×k windows moved by <c>stride</c>, as <c>nn.MaxPool2d</c> computes it. Where no gradient is wanted
/// (evaluation, predictions) and the windows tile the image (stride = kernel), it takes the elementwise maximum of the
/// window's k² strided sub-grids instead: libtorch's pooling kernel compares element by element with a branch that
/// random data mispredicts about half the time, and the sub-grid maxima run vectorized — on LeNet's first pooling
/// (64×6×28×28) about 5× faster here (bench/run.sh --step), with the same values (a maximum is exact). Training keeps libtorch's kernel,
/// whose recorded winners make the backward pass a cheap scatter.
/// </summary>
public sealed class MaxPool(long kernel, long stride) : nn.Module<Tensor, Tensor>(nameof(MaxPool))
{
    public override Tensor forward(Tensor x)
    {
        if (stride != kernel || x.dim() != 4 || (x.requires_grad && is_grad_enabled())) return nn.functional.max_pool2d(x, kernel, stride);
        long rows = x.shape[2] / kernel, columns = x.shape[3] / kernel;
        if (rows == 0 || columns == 0) return nn.functional.max_pool2d(x, kernel, stride); // let libtorch report the size
        using var scope = NewDisposeScope();
        Tensor? result = null;
        for (long i = 0; i < kernel; i++)
        {
            using var band = x.slice(2, i, i + (rows - 1) * kernel + 1, kernel);
            for (long j = 0; j < kernel; j++)
            {
                var corner = band.slice(3, j, j + (columns - 1) * kernel + 1, kernel);
                result = result is null ? corner : result.maximum(corner);
            }
        }
        return result!.MoveToOuterDisposeScope();
    }
}
