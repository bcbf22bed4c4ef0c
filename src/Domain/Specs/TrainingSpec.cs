using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>How to train: loss, batch size (1 = SGD, N = mini-batch, "full" = full-batch), epochs, seed, device.</summary>
public sealed record TrainingSpec
{
    public LossFunction Loss { get; init; } = LossFunction.Mse;
    public double HuberDelta { get; init; } = 1.0;
    public BatchSize BatchSize { get; init; } = new(10);
    public int Epochs { get; init; } = 100;
    public int Seed { get; init; } = 1;
    public string Device { get; init; } = "cpu";

    /// <summary>Reshuffle the training set every epoch (the playground does not: it walks its once-shuffled data in order).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Record each dense and convolution layer's mean weight-gradient norm per epoch (<c>grad_norm.layers[i]</c>).</summary>
    public bool GradientNorms { get; init; }
}

/// <summary>A batch size: a positive number of samples, or the whole training set ("full").</summary>
[JsonConverter(typeof(BatchSizeJsonConverter))]
public readonly record struct BatchSize(int Size)
{
    public static BatchSize Full { get; } = new(0);
    public bool IsFull => Size == 0;
    public int Resolve(int trainingSamples) => IsFull ? trainingSamples : Math.Min(Size, trainingSamples);
    public override string ToString() => IsFull ? "full" : Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

internal sealed class BatchSizeJsonConverter : JsonConverter<BatchSize>
{
    public override BatchSize Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && string.Equals(reader.GetString(), "full", StringComparison.OrdinalIgnoreCase))
            return BatchSize.Full;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int size) && size > 0)
            return new BatchSize(size);
        throw new JsonException("must be a positive whole number of samples or \"full\"");
    }

    public override void Write(Utf8JsonWriter writer, BatchSize value, JsonSerializerOptions options)
    {
        if (value.IsFull) writer.WriteStringValue("full");
        else writer.WriteNumberValue(value.Size);
    }
}
