using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Dojo.Domain.Specs;

/// <summary>
/// A device a job may ask for: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>, or <c>auto</c> (resolved at submit). Parsed
/// once, where it enters (JSON, a stored job's row); everything after passes this type.
/// </summary>
[JsonConverter(typeof(DeviceNameJsonConverter))]
public sealed partial record DeviceName(string Kind, int? Index)
{
    public static DeviceName Cpu { get; } = new("cpu", null);

    public const string Expected = "expected cpu, cuda, cuda:N or auto";

    public static DeviceName? TryParse(string? text)
    {
        if (text is null) return null;
        var match = Pattern().Match(text);
        if (!match.Success) return null;
        if (match.Groups[2].Success && match.Groups[1].Value != "cuda") return null;
        return new DeviceName(match.Groups[1].Value, match.Groups[2].Success ? int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    public static DeviceName Parse(string text) => TryParse(text) ?? throw new FormatException($"'{text}' is not a device; {Expected}");

    public bool IsCuda => Kind == "cuda";

    /// <summary>The Hangfire queue that serves this device: one per kind ("cpu", "cuda").</summary>
    public string Queue => Kind;

    public override string ToString() => Index is null ? Kind : $"{Kind}:{Index}";

    [GeneratedRegex("^(cpu|cuda|auto)(?::([0-9]{1,2}))?$")]
    private static partial Regex Pattern();
}

internal sealed class DeviceNameJsonConverter : JsonConverter<DeviceName>
{
    public override DeviceName Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return DeviceName.TryParse(text) ?? throw new JsonException($"{(text is null ? "a non-string value" : $"'{text}'")} is not a device; {DeviceName.Expected}");
    }

    public override void Write(Utf8JsonWriter writer, DeviceName value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
