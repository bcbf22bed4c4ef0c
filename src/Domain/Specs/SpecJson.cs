using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>
/// The one JSON shape of Dojo's specs: camelCase, enums as camelCase strings, unknown members refused
/// (a misspelt "actvation" is an error, not a silent default), required constructor values enforced.
/// </summary>
public static class SpecJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectRequiredConstructorParameters = true;
        options.RespectNullableAnnotations = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowOutOfOrderMetadataProperties = true;
        options.Converters.Insert(0, new StrictEnumConverterFactory());
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("null is not a valid value");

    /// <summary>The JSON name of an enum value ("multiGauss", "x1Squared"; or its [JsonStringEnumMemberName]: "md").</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        EnumNames<TEnum>.ByValue.TryGetValue(value, out var name) ? name : JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static class EnumNames<TEnum> where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> ByValue = Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v =>
            typeof(TEnum).GetField(v.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
            ?? JsonNamingPolicy.CamelCase.ConvertName(v.ToString()));
    }

    /// <summary>The enum value whose JSON name is <paramref name="text"/> (query strings use the same names as bodies).</summary>
    public static TEnum? ParseName<TEnum>(string text) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Cast<TEnum?>().FirstOrDefault(v => Name(v!.Value) == text);

    public static string AllowedNames<TEnum>() where TEnum : struct, Enum =>
        string.Join(", ", Enum.GetValues<TEnum>().Select(v => Name(v)));
}

/// <summary>Enums as camelCase strings; an unknown name is refused with the list of allowed ones.</summary>
internal sealed class StrictEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(StrictEnumConverter<>).MakeGenericType(typeToConvert),
            BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, null, null)!;

    private sealed class StrictEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        private static readonly Dictionary<string, TEnum> ByName =
            Enum.GetValues<TEnum>().ToDictionary(v => SpecJson.Name(v), StringComparer.OrdinalIgnoreCase);

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (text is not null && ByName.TryGetValue(text, out TEnum value)) return value;
            string shown = text is null ? "a non-string value" : $"'{text}'";
            throw new JsonException($"{shown} is not one of: {SpecJson.AllowedNames<TEnum>()}");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(SpecJson.Name(value));
    }
}
