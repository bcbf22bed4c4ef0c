namespace Dojo.Domain.Specs;

/// <summary>One layer's effect on the shape of one sample: its output shape and parameters, or why it does not fit.</summary>
public readonly record struct LayerShape(int[]? Output, long Parameters, string? Field = null, string? Problem = null)
{
    public static LayerShape Refused(string problem, string? field = null) => new(null, 0, field, problem);
}

/// <summary>
/// Shapes of one sample through the layers: flat [features], a sequence [steps, features] (token inputs: [steps]) or
/// an image [channels, height, width]. The same
/// rules serve the check at submit (which names the layer, the incoming shape and the reason) and the model
/// builder (which needs each layer's input channels and widths). A layer's own settings (a positive kernel, …)
/// are checked before, by <see cref="NetworkChecks"/>.
/// </summary>
public static class ShapeInference
{
    public static string Format(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    public static LayerShape Apply(LayerSpec layer, int[] input) => layer switch
    {
        DenseLayer dense => Dense(dense, input),
        Conv2dLayer conv => Conv(conv, input),
        ConvTranspose2dLayer conv => ConvTranspose(conv, input),
        ReshapeLayer reshape => Reshape(reshape, input),
        MaxPool2dLayer pool => Pool("maxPool2d", pool.Kernel, pool.Stride, input),
        AvgPool2dLayer pool => Pool("avgPool2d", pool.Kernel, pool.Stride, input),
        FlattenLayer => new LayerShape([input.Aggregate(1, (a, b) => a * b)], 0),
        GlobalAvgPoolLayer => input.Length == 3 ? new LayerShape([input[0]], 0) : NeedsImage("globalAvgPool", input),
        RecurrentLayer recurrent => Recurrent(recurrent, input),
        EmbeddingLayer embedding => input.Length == 1 ? new LayerShape([input[0], embedding.Size], (long)embedding.Vocabulary * embedding.Size)
            : LayerShape.Refused($"embedding takes token indices [steps]; it gets {Format(input)}"),
        BatchNormLayer => input.Length is 1 or 3 ? new LayerShape(input, 2L * input[0]) : LayerShape.Refused($"batchNorm needs [features] or [channels, height, width]; it gets {Format(input)}"),
        _ => new LayerShape(input, 0), // activation, dropout: elementwise
    };

    /// <summary>
    /// Floating-point operations of one sample's forward pass through a valid network: 2·in·out for dense layers (per
    /// step on a sequence), 2·Cin·k²·Cout·H·W for convolutions, 2·gates·hidden·(in + hidden) per step, cell and direction
    /// for recurrent layers, a few per element for pooling, normalisation, activations and embeddings.
    /// </summary>
    public static double ForwardFlops(NetworkSpec network, int[] input)
    {
        double flops = 0;
        var shape = input;
        foreach (var layer in network.Layers)
        {
            var output = Apply(layer, shape).Output ?? throw new InvalidOperationException($"{layer} does not fit {Format(shape)}");
            double elements = output.Aggregate(1.0, (a, b) => a * b);
            flops += layer switch
            {
                DenseLayer dense => 2.0 * shape.Aggregate(1.0, (a, b) => a * b) * dense.Units,
                RecurrentLayer recurrent => RecurrentFlops(recurrent, shape),
                Conv2dLayer conv => 2.0 * shape[0] * conv.Kernel * conv.Kernel * elements,
                ConvTranspose2dLayer conv => 2.0 * shape.Aggregate(1.0, (a, b) => a * b) * conv.Kernel * conv.Kernel * conv.OutChannels,
                ReshapeLayer => 0,
                MaxPool2dLayer pool => (double)pool.Kernel * pool.Kernel * elements,
                AvgPool2dLayer pool => (double)pool.Kernel * pool.Kernel * elements,
                BatchNormLayer => 4 * elements,
                FlattenLayer => 0,
                _ => shape.Aggregate(1.0, (a, b) => a * b), // activation, dropout, global average pooling: each input element
            };
            shape = output;
        }
        return flops;
    }

    /// <summary>The shape a valid network gives for <paramref name="input"/>.</summary>
    public static int[] Output(NetworkSpec network, int[] input) => network.Layers.Aggregate(input, (shape, layer) =>
        Apply(layer, shape).Output ?? throw new InvalidOperationException($"{layer} does not fit {Format(shape)}; the spec should have been refused at submit"));

    private static LayerShape Dense(DenseLayer dense, int[] input)
    {
        if (input.Length == 3)
            return LayerShape.Refused($"dense needs a flat input or a sequence; it gets the image {Format(input)} — add a flatten or globalAvgPool layer before it");
        long parameters = (long)input[^1] * dense.Units + (dense.Bias ? dense.Units : 0);
        return new LayerShape(input.Length == 2 ? [input[0], dense.Units] : [dense.Units], parameters);
    }

    private static LayerShape Recurrent(RecurrentLayer layer, int[] input)
    {
        string type = LayerSpec.Catalog.NameOf(layer.GetType());
        if (input.Length != 2)
            return LayerShape.Refused(input.Length == 3
                ? $"{type} needs a sequence [steps, features]; it gets the image {Format(input)} — set the data set's asSequence to read it row by row"
                : $"{type} needs a sequence [steps, features]; it gets {Format(input)}");
        return new LayerShape(layer.ReturnSequences ? [input[0], layer.OutputWidth] : [layer.OutputWidth], RecurrentParameters(layer, input[1]));
    }

    /// <summary>PyTorch's count: per cell and direction, gates·hidden·(in + hidden) weights and two bias vectors (b_ih, b_hh).</summary>
    public static long RecurrentParameters(RecurrentLayer layer, int inputFeatures)
    {
        long total = 0;
        for (int cell = 0; cell < layer.Layers; cell++)
        {
            long inputs = cell == 0 ? inputFeatures : layer.OutputWidth;
            total += layer.Directions * (long)layer.Gates() * layer.HiddenSize * (inputs + layer.HiddenSize + 2);
        }
        return total;
    }

    private static double RecurrentFlops(RecurrentLayer layer, int[] input)
    {
        double perStep = 0;
        for (int cell = 0; cell < layer.Layers; cell++)
        {
            double inputs = cell == 0 ? input[1] : layer.OutputWidth;
            perStep += layer.Directions * 2.0 * layer.Gates() * layer.HiddenSize * (inputs + layer.HiddenSize);
        }
        return perStep * input[0];
    }

    private static LayerShape Conv(Conv2dLayer conv, int[] input)
    {
        if (input.Length != 3) return NeedsImage("conv2d", input);
        int padding = conv.Padding.For(conv.Kernel);
        if (input[1] + 2 * padding < conv.Kernel || input[2] + 2 * padding < conv.Kernel)
            return LayerShape.Refused($"a {conv.Kernel}×{conv.Kernel} kernel does not fit the incoming {Format(input)} (padding {padding})", "kernel");
        int height = (input[1] + 2 * padding - conv.Kernel) / conv.Stride + 1;
        int width = (input[2] + 2 * padding - conv.Kernel) / conv.Stride + 1;
        long parameters = (long)conv.OutChannels * input[0] * conv.Kernel * conv.Kernel + (conv.Bias ? conv.OutChannels : 0);
        return new LayerShape([conv.OutChannels, height, width], parameters);
    }

    private static LayerShape ConvTranspose(ConvTranspose2dLayer conv, int[] input)
    {
        if (input.Length != 3) return NeedsImage("convTranspose2d", input);
        int Side(int size) => (size - 1) * conv.Stride - 2 * conv.Padding + conv.Kernel + conv.OutputPadding;
        if (Side(input[1]) < 1 || Side(input[2]) < 1)
            return LayerShape.Refused($"a padding of {conv.Padding} leaves nothing of the incoming {Format(input)} (kernel {conv.Kernel}, stride {conv.Stride})", "padding");
        long parameters = (long)input[0] * conv.OutChannels * conv.Kernel * conv.Kernel + (conv.Bias ? conv.OutChannels : 0);
        return new LayerShape([conv.OutChannels, Side(input[1]), Side(input[2])], parameters);
    }

    private static LayerShape Reshape(ReshapeLayer reshape, int[] input)
    {
        long given = input.Aggregate(1L, (a, b) => a * b), asked = reshape.Shape.Aggregate(1L, (a, b) => a * b);
        return given == asked ? new LayerShape([.. reshape.Shape], 0)
            : LayerShape.Refused($"{Format(reshape.Shape)} holds {asked} values; the incoming {Format(input)} holds {given}", "shape");
    }

    private static LayerShape Pool(string name, int kernel, int? stride, int[] input)
    {
        if (input.Length != 3) return NeedsImage(name, input);
        int step = stride ?? kernel;
        if (input[1] < kernel || input[2] < kernel)
            return LayerShape.Refused($"a {kernel}×{kernel} window does not fit the incoming {Format(input)}", "kernel");
        return new LayerShape([input[0], (input[1] - kernel) / step + 1, (input[2] - kernel) / step + 1], 0);
    }

    private static LayerShape NeedsImage(string layer, int[] input) =>
        LayerShape.Refused($"{layer} needs an image [channels, height, width]; it gets {Format(input)}");
}
