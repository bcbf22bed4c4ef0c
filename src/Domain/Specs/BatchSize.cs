using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

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
