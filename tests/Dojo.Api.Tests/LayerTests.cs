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
