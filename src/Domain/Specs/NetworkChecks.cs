namespace Dojo.Domain.Specs;

/// <summary>
/// Checks a network spec, for any kind that has one (a supervised model, a GAN's generator, a Q-network): each
/// layer's own settings, unique names, transfer settings, then — given the input shape — the shapes through the
/// layers and the parameter cap. Problems are keyed by JSON path under the network's own path.
/// </summary>
public static class NetworkChecks
{
    /// <summary>What can be checked without an input: a saved network's check, and the first half of <see cref="Check"/>.</summary>
    public static void CheckLayers(NetworkSpec network, SpecLimits limits, ValidationErrors errors, string path)
    {
        var layers = network.Layers;
        if (layers.Count > limits.MaxLayers)
        {
            errors.Add($"{path}.layers", $"has {layers.Count} layers; the limit is {limits.MaxLayers}");
            return;
        }
        CheckInit(network.Init, $"{path}.init", errors);
        foreach (var duplicate in layers.Select(l => l?.Name).OfType<string>().GroupBy(n => n).Where(g => g.Count() > 1))
            errors.Add($"{path}.layers", $"two layers are named '{duplicate.Key}'");
        if (network.Transfer is { } transfer) CheckTransfer(transfer, layers, errors, $"{path}.transfer");
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is null) errors.Add($"{path}.layers[{i}]", "is null");
            else CheckLayer(layers[i], last: i == layers.Count - 1, errors, $"{path}.layers[{i}]");
        }
    }

    /// <summary>
    /// The whole check for a network fed <paramref name="input"/>; returns its output shape, or null (with the
    /// problems in <paramref name="errors"/>) when a layer is wrong or does not fit what reaches it. Token inputs (a
    /// text, a seq2seq task) have a <paramref name="vocabulary"/>: such a network starts with an embedding at least
    /// that large, and no other network may have one.
    /// </summary>
    public static int[]? Check(NetworkSpec network, int[] input, SpecLimits limits, ValidationErrors errors, string path, int? vocabulary = null)
    {
        int before = errors.Count;
        CheckLayers(network, limits, errors, path);
        if (errors.Count == before) CheckTokens(network.Layers, input, vocabulary, errors, path);
        if (errors.Count > before) return null;
        var shape = input;
        long parameters = 0;
        for (int i = 0; i < network.Layers.Count; i++)
        {
            string at = $"{path}.layers[{i}]";
            var result = ShapeInference.Apply(network.Layers[i], shape);
            if (result.Output is null)
            {
                errors.Add(result.Field is null ? at : $"{at}.{result.Field}", $"{result.Problem} (incoming {ShapeInference.Format(shape)})");
                return null;
            }
            shape = result.Output;
            parameters += result.Parameters;
            if (parameters > limits.MaxParameters)
            {
                errors.Add(at, $"brings the network to {parameters:N0} parameters; the limit is {limits.MaxParameters:N0}");
                return null;
            }
        }
        return shape;
    }

    private static void CheckTokens(IReadOnlyList<LayerSpec> layers, int[] input, int? vocabulary, ValidationErrors errors, string path)
    {
        for (int i = 1; i < layers.Count; i++)
            if (layers[i] is EmbeddingLayer)
                errors.Add($"{path}.layers[{i}]", "an embedding turns token indices into vectors, so it can only be the first layer");
        var first = layers.Count > 0 ? layers[0] : null;
        if (vocabulary is not { } tokens)
        {
            if (first is EmbeddingLayer)
                errors.Add($"{path}.layers[0]", $"an embedding needs token inputs (a text or a seq2seq task); this data set gives values {ShapeInference.Format(input)}");
            return;
        }
        if (first is not EmbeddingLayer embedding)
            errors.Add(layers.Count == 0 ? $"{path}.layers" : $"{path}.layers[0]",
                $"the inputs are token indices (a vocabulary of {tokens}); start with {{ \"type\": \"embedding\", \"vocabulary\": {tokens}, \"size\": … }}");
        else if (embedding.Vocabulary < tokens)
            errors.Add($"{path}.layers[0].vocabulary", $"is {embedding.Vocabulary}; the data have {tokens} distinct tokens, so it must be at least {tokens}");
    }

    private static void CheckLayer(LayerSpec layer, bool last, ValidationErrors errors, string path)
    {
        switch (layer)
        {
            case RecurrentLayer recurrent:
                AtLeastOne(recurrent.HiddenSize, $"{path}.hiddenSize", errors);
                AtLeastOne(recurrent.Layers, $"{path}.layers", errors);
                if (recurrent.Dropout is < 0 or >= 1 || !double.IsFinite(recurrent.Dropout))
                    errors.Add($"{path}.dropout", "must be in [0, 1)");
                else if (recurrent.Dropout > 0 && recurrent.Layers == 1)
                    errors.Add($"{path}.dropout", "applies between stacked cells, so it needs layers ≥ 2; for one cell add a dropout layer after it");
                CheckInit(recurrent.Init, $"{path}.init", errors, denseLayer: false);
                if (recurrent is RnnLayer && recurrent.ForgetBias is not null)
                    errors.Add($"{path}.forgetBias", "is the starting bias of an lstm's forget gate or a gru's update gate; a plain rnn has no gate");
                else if (recurrent.ForgetBias is { } bias && (!double.IsFinite(bias) || Math.Abs(bias) > 20))
                    errors.Add($"{path}.forgetBias", "must be between -20 and 20");
                break;
            case EmbeddingLayer embedding:
                AtLeastOne(embedding.Vocabulary, $"{path}.vocabulary", errors);
                AtLeastOne(embedding.Size, $"{path}.size", errors);
                CheckInit(embedding.Init, $"{path}.init", errors, denseLayer: false);
                break;
            case DenseLayer dense:
                AtLeastOne(dense.Units, $"{path}.units", errors);
                CheckInit(dense.Init, $"{path}.init", errors);
                break;
            case Conv2dLayer conv:
                AtLeastOne(conv.OutChannels, $"{path}.outChannels", errors);
                AtLeastOne(conv.Kernel, $"{path}.kernel", errors);
                AtLeastOne(conv.Stride, $"{path}.stride", errors);
                if (conv.Padding.Same && (conv.Stride != 1 || conv.Kernel % 2 == 0))
                    errors.Add($"{path}.padding", "same padding needs stride 1 and an odd kernel; give the padding in pixels instead");
                CheckInit(conv.Init, $"{path}.init", errors, denseLayer: false);
                break;
            case ConvTranspose2dLayer conv:
                AtLeastOne(conv.OutChannels, $"{path}.outChannels", errors);
                AtLeastOne(conv.Kernel, $"{path}.kernel", errors);
                AtLeastOne(conv.Stride, $"{path}.stride", errors);
                if (conv.Padding < 0) errors.Add($"{path}.padding", "must be 0 or more pixels");
                if (conv.OutputPadding < 0 || conv.OutputPadding >= conv.Stride)
                    errors.Add($"{path}.outputPadding", $"must be at least 0 and less than the stride ({conv.Stride})");
                CheckInit(conv.Init, $"{path}.init", errors, denseLayer: false);
                break;
            case ReshapeLayer reshape:
                if (reshape.Shape is null || reshape.Shape.Count is 0 or > 3 || reshape.Shape.Any(d => d < 1))
                    errors.Add($"{path}.shape", "must be 1 to 3 sizes of at least 1, e.g. [64, 7, 7]");
                break;
            case MaxPool2dLayer pool:
                AtLeastOne(pool.Kernel, $"{path}.kernel", errors);
                if (pool.Stride is { } maxStride) AtLeastOne(maxStride, $"{path}.stride", errors);
                break;
            case AvgPool2dLayer pool:
                AtLeastOne(pool.Kernel, $"{path}.kernel", errors);
                if (pool.Stride is { } avgStride) AtLeastOne(avgStride, $"{path}.stride", errors);
                break;
            case DropoutLayer dropout when dropout.Rate is < 0 or >= 1 || !double.IsFinite(dropout.Rate):
                errors.Add($"{path}.rate", "must be in [0, 1)");
                break;
            case BatchNormLayer norm:
                if (norm.Momentum is <= 0 or > 1) errors.Add($"{path}.momentum", "must be in (0, 1]");
                errors.Positive(norm.Epsilon, $"{path}.epsilon");
                break;
            case ActivationLayer { Function: ActivationFunction.Softmax } when !last:
                errors.Add($"{path}.function", "softmax is allowed only as the last layer");
                break;
            case ActivationLayer { Slope: { } slope } activation:
                if (activation.Function != ActivationFunction.LeakyRelu) errors.Add($"{path}.slope", "is leakyRelu's slope below zero; no other function has one");
                else if (!double.IsFinite(slope) || slope is < 0 or > 1) errors.Add($"{path}.slope", "must be between 0 and 1");
                break;
        }
    }

    private static void CheckTransfer(TransferSpec transfer, IReadOnlyList<LayerSpec> layers, ValidationErrors errors, string path)
    {
        if (transfer.Keep < 1 || transfer.Keep >= layers.Count)
            errors.Add($"{path}.keep", $"must be between 1 and {layers.Count - 1}: at least one layer is kept and at least one is new");
        if (transfer.FreezeFirst < 0 || transfer.FreezeFirst > transfer.Keep)
            errors.Add($"{path}.freezeFirst", $"must be between 0 and keep ({transfer.Keep}): only kept layers can be frozen");
        foreach (var name in transfer.Freeze)
        {
            int index = layers.ToList().FindIndex(l => l?.Name == name);
            if (index < 0) errors.Add($"{path}.freeze", $"no layer is named '{name}'");
            else if (index >= transfer.Keep) errors.Add($"{path}.freeze", $"'{name}' is layer {index}, a new layer; only the first {transfer.Keep} (kept) can be frozen");
        }
        if (transfer.FineTuneLearningRate is { } rate) errors.Positive(rate, $"{path}.fineTuneLearningRate");
    }

    private static void CheckInit(InitSpec? init, string path, ValidationErrors errors, bool denseLayer = true)
    {
        if (init is null) return;
        if (!denseLayer && init.Kind == InitKind.Playground) errors.Add($"{path}.kind", "playground init is for dense layers");
        if (init.Kind == InitKind.Normal) errors.Positive(init.Std, $"{path}.std");
        if (init.Kind == InitKind.Uniform && !(init.A < init.B))
            errors.Add($"{path}.b", "must be greater than a");
    }

    private static void AtLeastOne(int value, string path, ValidationErrors errors)
    {
        if (value < 1) errors.Add(path, $"must be at least 1 (got {value})");
    }
}
