using Dojo.Domain.Datasets;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;
using Dojo.Worker.Training.Playground;
using static TorchSharp.torch;

namespace Dojo.Worker.Training.Supervised;

/// <summary>
/// The decision boundary of a supervised network on a playground data set, drawn as the playground draws it
/// (<see cref="BoundaryPicture"/>): each cell of the plane goes through the features the job's data set gives its
/// points, then the network; a classifier's cell is P(+1) − P(−1), a regression's the output itself. The weights are the
/// trained ones or a checkpoint's, so the picture can be redrawn while the job trains.
/// </summary>
public static class DecisionBoundary
{
    /// <summary>Whether the job's inputs are points of the plane (a playground data set), so that it has a picture.</summary>
    public static bool Applies(JobSpec spec) => spec is SupervisedSpec { Dataset: PlaygroundDatasetSpec };

    /// <param name="loadWeights">Reads the weights into the network built from the spec (a trained model's file, a checkpoint's state).</param>
    public static byte[] Draw(SupervisedSpec spec, Action<nn.Module> loadWeights)
    {
        var dataset = (PlaygroundDatasetSpec)spec.Dataset;
        var head = new OutputHead(spec);
        using var net = ModelBuilder.Build(head.Network, spec.Dataset.SampleShape(), NetworkInit.ForLoading).Net;
        loadWeights(net);
        net.eval();
        var (train, test, _) = PlaygroundData.Points(dataset);
        return BoundaryPicture.Draw(cells =>
        {
            int width = dataset.Features.Count;
            var inputs = new float[cells.Length * width];
            for (int c = 0; c < cells.Length; c++)
                PlaygroundData.Features(dataset.Features, cells[c].X, cells[c].Y, inputs.AsSpan(c * width, width));
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = net.forward(tensor(inputs, [cells.Length, width]));
            if (!head.IsClassification) return [.. output.reshape(-1).data<float>().ToArray().Select(v => (double)v)];
            var probabilities = head.Probabilities(output).data<float>().ToArray();
            return [.. Enumerable.Range(0, cells.Length).Select(c => (double)probabilities[2 * c + 1] - probabilities[2 * c])];
        }, train, test);
    }
}
