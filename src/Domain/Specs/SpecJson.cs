using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Dojo.Domain.Specs;

/// <summary>
/// The one JSON shape of Dojo's specs: camelCase, enums as camelCase strings, unknown members refused
/// (a misspelt "actvation" is an error, not a silent default), required constructor values enforced,
/// job specs and data sets told apart by their <c>"kind"</c>, layers by their <c>"type"</c>. <see cref="Options"/> reads what people send;
/// <see cref="Stored"/> reads what Dojo wrote itself, including what an earlier build wrote.
/// </summary>
public static partial class SpecJson
{
    public static JsonSerializerOptions Options { get; } = Sealed(Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web)));

    /// <summary>For specs Dojo stored (jobs, saved specs): members an earlier build wrote that a kind no longer has are dropped.</summary>
    public static JsonSerializerOptions Stored { get; } = Sealed(Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web), stored: true));

    /// <summary>Read-only with its resolver in place, so that its metadata (<c>GetTypeInfo</c>) answers before its first use too.</summary>
    private static JsonSerializerOptions Sealed(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static JsonSerializerOptions Configure(JsonSerializerOptions options) => Configure(options, stored: false);

    private static JsonSerializerOptions Configure(JsonSerializerOptions options, bool stored)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectRequiredConstructorParameters = true;
        options.RespectNullableAnnotations = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowOutOfOrderMetadataProperties = true;
        options.Converters.Insert(0, new StrictEnumConverterFactory());
        options.Converters.Add(new KindJsonConverter<JobSpec>(JobKinds.Catalog, stored));
        options.Converters.Add(new KindJsonConverter<DatasetSpec>(DatasetSpec.Catalog, stored));
        options.Converters.Add(new KindJsonConverter<LayerSpec>(LayerSpec.Catalog, stored));
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static JsonObject ToJsonObject<T>(T value) where T : notnull =>
        JsonSerializer.SerializeToNode(value, Options)?.AsObject() ?? throw new JsonException("not an object");

    /// <summary>Reads what a person sent; a problem is a <see cref="JsonException"/> whose Path is the full path to it.</summary>
    public static T Deserialize<T>(string json) => Read(() => JsonSerializer.Deserialize<T>(json, Options));

    public static T Deserialize<T>(JsonNode json) => Read(() => json.Deserialize<T>(Options));

    /// <summary>Reads what Dojo stored (a job's spec, a saved spec), whichever build wrote it.</summary>
    public static T DeserializeStored<T>(string json) => Read(() => JsonSerializer.Deserialize<T>(json, Stored));

    private static T Read<T>(Func<T?> read)
    {
        try
        {
            return read() ?? throw new JsonException("null is not a valid value", "$", null, null);
        }
        catch (SpecJsonException nested)
        {
            var whole = new JsonException(nested.Message, PathOf(nested), null, null);
            whole.Data[MissingRequiredKey] = nested.MissingRequired;
            throw whole;
        }
    }

    /// <summary>The full JSON path of a problem (<c>$.dataset.trainCount</c>), also when a kind converter read the value it is in.</summary>
    public static string PathOf(JsonException problem)
    {
        string path = problem.Path ?? "$";
        if (problem is not SpecJsonException { Within: { Length: > 0 } within }) return path;
        return within.StartsWith('[') || path.EndsWith('.') ? path + within : $"{path}.{within}";
    }

    private const string MissingRequiredKey = "Dojo.MissingRequired";

    /// <summary>Whether reading failed because a required member was absent (rather than a value being wrong).</summary>
    public static bool IsMissingRequired(JsonException problem) =>
        problem is SpecJsonException { MissingRequired: true } || problem.Data[MissingRequiredKey] is true;

    /// <summary>"$.a.b[1]" → "a.b[1]"; "$" → "".</summary>
    internal static string Relative(string path) => path == "$" ? "" : path.StartsWith("$.") ? path[2..] : path.TrimStart('$');

    /// <summary>The serializer's message without the " Path: $… | LineNumber: …" it appends.</summary>
    public static string WithoutPath(string message) => PathSuffix().Replace(message, "");

    [GeneratedRegex(@"\s*Path: \$.*$", RegexOptions.Singleline)]
    private static partial Regex PathSuffix();

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
