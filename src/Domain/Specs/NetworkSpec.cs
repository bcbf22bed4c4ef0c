using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>An ordered list of layers, applied to the data set's input features.</summary>
public sealed record NetworkSpec
{
    public IReadOnlyList<LayerSpec> Layers { get; init; } = [];

    /// <summary>Weight initialisation for every dense layer that does not name its own.</summary>
    public InitSpec? Init { get; init; }

    /// <summary>Start from a finished job's trained layers (transfer learning, fine-tuning).</summary>
    public TransferSpec? Transfer { get; init; }
}

/// <summary>
/// Transfer learning: the first <see cref="Keep"/> layers are the finished job <see cref="FromJob"/>'s (the
/// same layers, with its trained weights); the layers after them are new (e.g. a head for other classes).
/// Kept layers can be frozen — by name (<see cref="Freeze"/>) or the first <see cref="FreezeFirst"/> — and the
/// others fine-tuned at <see cref="FineTuneLearningRate"/> (default: the optimizer's rate).
/// </summary>
public sealed record TransferSpec(Guid FromJob, int Keep)
{
    public IReadOnlyList<string> Freeze { get; init; } = [];
    public int FreezeFirst { get; init; }
    public double? FineTuneLearningRate { get; init; }

    /// <summary>The indices of the frozen layers, given the network's layers (names resolved).</summary>
    public IReadOnlySet<int> FrozenLayers(IReadOnlyList<LayerSpec> layers) =>
        Enumerable.Range(0, layers.Count).Where(i => i < FreezeFirst || (layers[i].Name is { } name && Freeze.Contains(name))).ToHashSet();
}

/// <summary>A layer, one record per <c>"type"</c> (required; a layer without one is a 400 listing the types).</summary>
public abstract record LayerSpec
{
    internal static KindCatalog Catalog { get; } = new KindCatalog("type", null)
        .Add("dense", typeof(DenseLayer))
        .Add("activation", typeof(ActivationLayer))
        .Add("dropout", typeof(DropoutLayer))
        .Add("batchNorm", typeof(BatchNormLayer))
        .Add("conv2d", typeof(Conv2dLayer))
        .Add("convTranspose2d", typeof(ConvTranspose2dLayer))
        .Add("reshape", typeof(ReshapeLayer))
        .Add("maxPool2d", typeof(MaxPool2dLayer))
        .Add("avgPool2d", typeof(AvgPool2dLayer))
        .Add("flatten", typeof(FlattenLayer))
        .Add("globalAvgPool", typeof(GlobalAvgPoolLayer))
        .Add("embedding", typeof(EmbeddingLayer))
        .Add("rnn", typeof(RnnLayer))
        .Add("lstm", typeof(LstmLayer))
        .Add("gru", typeof(GruLayer));

    [JsonPropertyOrder(-1)]
    public string Type => Catalog.NameOf(GetType());

    /// <summary>An optional name, to refer to the layer (e.g. to freeze it); unique within the network.</summary>
    public string? Name { get; init; }
}

/// <summary>
/// A fully connected layer: [features] → [units]. On a sequence [steps, features] it is applied at every step with
/// the same weights (a per-step head): [steps, units].
/// </summary>
public sealed record DenseLayer(int Units) : LayerSpec
{
    public InitSpec? Init { get; init; }
    public bool Bias { get; init; } = true;
}

public sealed record ActivationLayer(ActivationFunction Function) : LayerSpec
{
    /// <summary><c>leakyRelu</c>'s slope below zero (default 0.2, as DCGAN's discriminator); no other function has one.</summary>
    public double? Slope { get; init; }

    public const double DefaultSlope = 0.2;
}

public sealed record DropoutLayer(double Rate) : LayerSpec;

/// <summary>Batch normalisation over features (after dense layers) or over channels (after conv layers: 2-D).</summary>
public sealed record BatchNormLayer : LayerSpec
{
    public double Momentum { get; init; } = 0.1;
    public double Epsilon { get; init; } = 1e-5;
}

/// <summary>
/// A 2-D convolution over [channels, height, width]: <see cref="OutChannels"/> filters of
/// <see cref="Kernel"/>×<see cref="Kernel"/>, moved by <see cref="Stride"/>, with zero padding of a number of
/// pixels, <c>valid</c> (none) or <c>same</c> (the output keeps the input's size; stride 1, odd kernel).
/// </summary>
public sealed record Conv2dLayer(int OutChannels, int Kernel) : LayerSpec
{
    public int Stride { get; init; } = 1;
    public Padding Padding { get; init; } = Padding.Valid;
    public InitSpec? Init { get; init; }
    public bool Bias { get; init; } = true;
}

/// <summary>
/// A transposed ("fractionally strided") 2-D convolution over [channels, height, width], as a generator grows an image:
/// each input pixel spreads a <see cref="Kernel"/>×<see cref="Kernel"/> patch of <see cref="OutChannels"/> channels,
/// patches <see cref="Stride"/> apart; the output is (in − 1)·stride − 2·padding + kernel + outputPadding on a side
/// (PyTorch's ConvTranspose2d). Kernel 4, stride 2, padding 1 doubles the size.
/// </summary>
public sealed record ConvTranspose2dLayer(int OutChannels, int Kernel) : LayerSpec
{
    public int Stride { get; init; } = 1;
    public int Padding { get; init; }
    public int OutputPadding { get; init; }
    public InitSpec? Init { get; init; }
    public bool Bias { get; init; } = true;
}

/// <summary>Gives each sample the <see cref="Shape"/> (same number of values): e.g. a generator's dense output [3136] as [64, 7, 7].</summary>
public sealed record ReshapeLayer(IReadOnlyList<int> Shape) : LayerSpec;

/// <summary>Max pooling over <see cref="Kernel"/>×<see cref="Kernel"/> windows, moved by <see cref="Stride"/> (default: the kernel).</summary>
public sealed record MaxPool2dLayer(int Kernel) : LayerSpec
{
    public int? Stride { get; init; }
}

/// <summary>Average pooling over <see cref="Kernel"/>×<see cref="Kernel"/> windows, moved by <see cref="Stride"/> (default: the kernel).</summary>
public sealed record AvgPool2dLayer(int Kernel) : LayerSpec
{
    public int? Stride { get; init; }
}

/// <summary>[channels, height, width] → [channels·height·width], for dense layers after convolutions.</summary>
public sealed record FlattenLayer : LayerSpec;

/// <summary>The mean of each channel over the image: [channels, height, width] → [channels].</summary>
public sealed record GlobalAvgPoolLayer : LayerSpec;

/// <summary>
/// Token indices [steps] → vectors [steps, <see cref="Size"/>]: a learned row per token of a
/// <see cref="Vocabulary"/> at least as large as the data's (a text's alphabet, a seq2seq task's symbols). Only as
/// the first layer, on token inputs. Initialised N(0, 1), as PyTorch does.
/// </summary>
public sealed record EmbeddingLayer(int Vocabulary, int Size) : LayerSpec
{
    public InitSpec? Init { get; init; }
}

/// <summary>
/// A recurrent layer over a sequence [steps, features]: <see cref="Layers"/> stacked cells of
/// <see cref="HiddenSize"/> units (with <see cref="Dropout"/> between them), each read forwards or, when
/// <see cref="Bidirectional"/>, both ways with the two directions' outputs side by side (2·hiddenSize). What goes on
/// is every step's output [steps, hiddenSize] when <see cref="ReturnSequences"/>, else the last step's [hiddenSize]
/// (bidirectional: the forward direction's last step and the backward direction's first). Each batch starts from a
/// zero state. Weights and biases start U(−1/√hidden, 1/√hidden), as PyTorch's, unless <see cref="Init"/> (or the
/// network's init) names another.
/// </summary>
public abstract record RecurrentLayer(int HiddenSize) : LayerSpec
{
    public int Layers { get; init; } = 1;
    public double Dropout { get; init; }
    public bool Bidirectional { get; init; }
    public bool ReturnSequences { get; init; }
    public InitSpec? Init { get; init; }

    /// <summary>
    /// The starting bias of the gate that keeps the state (null: as <see cref="Init"/> says). A GRU's update gate z
    /// (PyTorch's form h′ = (1 − z)·n + z·h) starts at it, so a positive bias keeps h and lets little new in; an LSTM's
    /// forget gate starts at it and its input gate at its negative, to the same effect (the chrono initialisation of
    /// Tallec &amp; Ollivier 2018 sets both so; Keras's unit forget bias of 1 sets only the forget gate). Set on the
    /// input-side bias, the hidden-side one starts at 0. Large values let a gradient reach back from the last step to
    /// the first over long sequences. A plain RNN has no gate.
    /// </summary>
    public double? ForgetBias { get; init; }

    /// <summary>Weight matrices per cell: 1 for a plain RNN, 3 for a GRU, 4 for an LSTM.</summary>
    public abstract int Gates();

    [JsonIgnore]
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>The width of what each step gives: hidden size × directions.</summary>
    [JsonIgnore]
    public int OutputWidth => HiddenSize * Directions;
}

/// <summary>An Elman RNN: h′ = tanh(W·x + U·h + b).</summary>
public sealed record RnnLayer(int HiddenSize) : RecurrentLayer(HiddenSize)
{
    public override int Gates() => 1;
}

/// <summary>Long short-term memory: input, forget and output gates around a cell state.</summary>
public sealed record LstmLayer(int HiddenSize) : RecurrentLayer(HiddenSize)
{
    public override int Gates() => 4;
}

/// <summary>A gated recurrent unit: reset and update gates.</summary>
public sealed record GruLayer(int HiddenSize) : RecurrentLayer(HiddenSize)
{
    public override int Gates() => 3;
}

/// <summary>Zero padding of a convolution: a number of pixels on each side, <c>valid</c> (0) or <c>same</c>.</summary>
[JsonConverter(typeof(PaddingJsonConverter))]
public readonly record struct Padding(int Pixels, bool Same)
{
    public static Padding Valid { get; } = new(0, false);
    public static Padding SameSize { get; } = new(0, true);

    /// <summary>The pixels added on each side for a kernel (same: (k−1)/2, exact for odd kernels at stride 1).</summary>
    public int For(int kernel) => Same ? (kernel - 1) / 2 : Pixels;

    public override string ToString() => Same ? "same" : Pixels == 0 ? "valid" : Pixels.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed class PaddingJsonConverter : JsonConverter<Padding>
{
    public override Padding Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        if (reader.TokenType == System.Text.Json.JsonTokenType.String)
        {
            string? text = reader.GetString();
            if (string.Equals(text, "same", StringComparison.OrdinalIgnoreCase)) return Padding.SameSize;
            if (string.Equals(text, "valid", StringComparison.OrdinalIgnoreCase)) return Padding.Valid;
        }
        if (reader.TokenType == System.Text.Json.JsonTokenType.Number && reader.TryGetInt32(out int pixels) && pixels >= 0)
            return new Padding(pixels, false);
        throw new System.Text.Json.JsonException("must be a number of pixels (0 or more), \"same\" or \"valid\"");
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, Padding value, System.Text.Json.JsonSerializerOptions options)
    {
        if (value.Same) writer.WriteStringValue("same");
        else writer.WriteNumberValue(value.Pixels);
    }
}

/// <summary>
/// Weight initialisation. <c>normal</c> uses <see cref="Std"/> (the course's N(0, 0.01));
/// <c>xavier</c> and <c>he</c> scale by fan-in/fan-out with the given distribution;
/// <c>uniform</c> draws from [A, B]. Biases start at <see cref="BiasValue"/>.
/// </summary>
public sealed record InitSpec(InitKind Kind)
{
    public double Std { get; init; } = 0.01;
    public InitDistribution Distribution { get; init; } = InitDistribution.Normal;
    public double A { get; init; } = -0.5;
    public double B { get; init; } = 0.5;
    public double BiasValue { get; init; }

    public static InitSpec Default { get; } = new(InitKind.Xavier) { Distribution = InitDistribution.Uniform };
}
