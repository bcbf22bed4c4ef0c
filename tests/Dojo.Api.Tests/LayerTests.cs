using Dojo.Worker.Training.Layers;
using static TorchSharp.torch;

namespace Dojo.Api.Tests;

/// <summary>Dojo's own modules (they hold their Scalars) compute what TorchSharp's do: the same outputs, gradients and state.</summary>
public sealed class LayerTests
{
    public static TheoryData<string> Activations => new() { "elu", "softplus", "softsign" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activations_match_torchsharps_in_value_and_gradient(string name)
    {
        var (ours, theirs) = name switch
        {
            "elu" => ((nn.Module<Tensor, Tensor>)new Elu(), (nn.Module<Tensor, Tensor>)nn.ELU()),
            "softplus" => (new Softplus(), nn.Softplus()),
            _ => (new Softsign(), nn.Softsign()),
        };
        using var generator = new Generator(5);
        using var values = randn([200], generator: generator).mul_(Worker.Training.Held.Two).mul_(Worker.Training.Held.Two); // [−20, 20] or so
        using var x1 = values.clone().requires_grad_(true);
        using var x2 = values.clone().requires_grad_(true);

        using var y1 = ours.forward(x1);
        using var y2 = theirs.forward(x2);
        y1.sum().backward();
        y2.sum().backward();

        AssertClose(y2, y1);
        AssertClose(x2.grad!, x1.grad!);
    }

    /// <summary>
    /// Dojo's convolution hands oneDNN channels-last memory: the same outputs and gradients as nn.Conv2d (to rounding), the
    /// same state-dict names, and a channels-last result that the next layers keep.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 2)]
    [InlineData(3, 2, 1)]
    [InlineData(6, 1, 0)]
    public void Convolution_in_channels_last_matches_nn_conv2d_in_value_gradient_and_names(int channels, int stride, int padding)
    {
        using var generator = new Generator(11);
        using var theirs = nn.Conv2d(channels, 4, 5, stride: stride, padding: padding);
        using var twin = nn.Conv2d(channels, 4, 5, stride: stride, padding: padding);
        using (no_grad())
        {
            twin.weight!.copy_(theirs.weight!);
            twin.bias!.copy_(theirs.bias!);
        }
        using var ours = new Conv(twin, stride, padding);
        Assert.Equal(theirs.state_dict().Keys, ours.state_dict().Keys);
        using var values = randn([3, channels, 12, 12], generator: generator);
        using var x1 = values.clone().requires_grad_(true);
        using var x2 = values.clone().requires_grad_(true);

        using var y1 = ours.forward(x1);
        using var y2 = theirs.forward(x2);
        Assert.Equal([y1.shape[2] * y1.shape[3] * 4, 1, y1.shape[3] * 4, 4], y1.stride());
        y1.relu().sum().backward();
        y2.relu().sum().backward();

        AssertClose(y2, y1);
        AssertClose(x2.grad!, x1.grad!);
        AssertClose(theirs.weight!.grad!, ours.Weight.grad!);

        using (no_grad()) // a chunk that starts inside a larger tensor (evaluation narrows its split into chunks)
        using (var chunk = values.narrow(0, 1, 2))
        using (var chunkOurs = ours.forward(chunk))
        using (var chunkTheirs = theirs.forward(chunk))
            AssertClose(chunkTheirs, chunkOurs);
    }

    /// <summary>
    /// Max pooling without gradients (evaluation, predictions) takes the maxima of strided sub-grids: exactly libtorch's
    /// values, for tiling and overlapping windows, sizes that do not divide, ties (ReLU's zeros) and a NaN; with gradients
    /// it is libtorch's kernel, winners and all.
    /// </summary>
    [Theory]
    [InlineData(2, 2, 28)]
    [InlineData(2, 2, 11)]
    [InlineData(3, 3, 10)]
    [InlineData(3, 2, 9)]
    public void Max_pooling_without_gradients_gives_libtorchs_values_and_with_them_its_gradients(int kernel, int stride, int size)
    {
        using var pool = new MaxPool(kernel, stride);
        using var generator = new Generator(3);
        using var x = randn([4, 5, size, size], generator: generator).relu_(); // half zeros: ties in many windows
        x[1, 2, 0, 0] = float.NaN;
        using var expected = nn.functional.max_pool2d(x, kernel, stride);
        using (no_grad())
        using (var fast = pool.forward(x))
            Assert.Equal(expected.data<float>().ToArray(), fast.data<float>().ToArray());
        using (inference_mode())
        using (var fast = pool.forward(x))
            Assert.Equal(expected.data<float>().ToArray(), fast.data<float>().ToArray());

        using var ours = x.nan_to_num().requires_grad_(true);
        using var theirs = x.nan_to_num().requires_grad_(true);
        using var upstream = randn(expected.shape, generator: generator);
        pool.forward(ours).backward([upstream]);
        nn.functional.max_pool2d(theirs, kernel, stride).backward([upstream]);
        Assert.Equal(theirs.grad!.data<float>().ToArray(), ours.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Batch_norm_matches_torchsharps_in_training_and_eval_and_shares_its_state_dict()
    {
        using var ours = new BatchNorm(3, 1e-5, 0.1);
        using var theirs = nn.BatchNorm1d(3, 1e-5, 0.1);
        Assert.Equal(theirs.state_dict().Keys, ours.state_dict().Keys);
        using var generator = new Generator(9);
        for (int step = 0; step < 3; step++)
        {
            using var x = randn([16, 3], generator: generator);
            AssertClose(theirs.forward(x), ours.forward(x));
        }
        foreach (var (key, value) in theirs.state_dict()) AssertClose(value, ours.state_dict()[key]);
        ours.eval();
        theirs.eval();
        using var test = randn([4, 3], generator: generator);
        AssertClose(theirs.forward(test), ours.forward(test));

        using var saved = new MemoryStream();
        theirs.save(saved);
        using var loaded = new BatchNorm(3, 1e-5, 0.1);
        loaded.load(new MemoryStream(saved.ToArray()));
        loaded.eval();
        AssertClose(theirs.forward(test), loaded.forward(test));
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        var e = expected.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        var a = actual.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 + 1e-5 * Math.Abs(e[i]), $"[{i}] {a[i]} where TorchSharp gives {e[i]}");
    }
}
