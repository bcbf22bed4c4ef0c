using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>
/// The kinds of one family of records (job specs, data sets): the name each kind has in JSON's <c>"kind"</c>, the
/// kind meant when <c>"kind"</c> is absent, and the members an earlier build wrote into that family's JSON that a
/// kind's record may no longer have (dropped when Dojo reads back what it stored itself).
/// </summary>
public sealed class KindCatalog(string defaultKind, IReadOnlyCollection<string>? legacyMembers = null)
{
    private readonly Dictionary<string, Type> _types = [];
    private readonly Dictionary<Type, string> _names = [];
    private readonly Lock _gate = new();

    public string Default => defaultKind;

    public IReadOnlyCollection<string> LegacyMembers { get; } = legacyMembers ?? [];

    /// <summary>Adds a kind; adding the same one again is harmless, another type under a known name is refused.</summary>
    public KindCatalog Add(string name, Type type)
    {
        lock (_gate)
        {
            if (_types.TryGetValue(name, out var known))
            {
                if (known != type) throw new InvalidOperationException($"kind '{name}' is already {known.Name}; it cannot also be {type.Name}");
                return this;
            }
            _types[name] = type;
            _names[type] = name;
        }
        return this;
    }

    public Type? TypeOf(string name)
    {
        lock (_gate) return _types.GetValueOrDefault(name);
    }

    public string NameOf(Type type)
    {
        lock (_gate) return _names.TryGetValue(type, out var name) ? name : throw new InvalidOperationException($"{type.Name} is not a registered kind");
    }

    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _types.Keys.Order(StringComparer.Ordinal).ToList(); }
    }
}

/// <summary>
/// Reads and writes a family of records told apart by <c>"kind"</c>, as [JsonPolymorphic] does for layers, with
/// what that family needs beyond it: a default kind when <c>"kind"</c> is absent, a catalogue that can grow while
/// the process runs (job kinds a worker registers), and — reading what Dojo stored itself — tolerance of members an
/// earlier build wrote. A problem inside the value keeps its full path (<see cref="SpecJson.PathOf"/>).
/// </summary>
internal sealed class KindJsonConverter<TBase>(KindCatalog catalog, bool stored) : JsonConverter<TBase> where TBase : class
{
    public override TBase Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var nodeOptions = new JsonNodeOptions { PropertyNameCaseInsensitive = options.PropertyNameCaseInsensitive };
        if (JsonNode.Parse(ref reader, nodeOptions) is not JsonObject node) throw new JsonException("must be an object");
        string kind = node["kind"] switch
        {
            null => catalog.Default,
            JsonValue value when value.TryGetValue(out string? text) => text,
            _ => throw new SpecJsonException("kind", $"must be a string, one of: {string.Join(", ", catalog.Names)}"),
        };
        var type = catalog.TypeOf(kind) ?? throw new SpecJsonException("kind", $"'{kind}' is not one of: {string.Join(", ", catalog.Names)}");
        if (stored)
        {
            var members = options.GetTypeInfo(type).Properties.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var legacy in catalog.LegacyMembers.Where(m => !members.Contains(m))) node.Remove(legacy);
        }
        try
        {
            return (TBase)node.Deserialize(type, options)!;
        }
        catch (JsonException inner)
        {
            throw SpecJsonException.Below(inner);
        }
    }

    public override void Write(Utf8JsonWriter writer, TBase value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, value.GetType(), options);
}

/// <summary>
/// A problem inside a value that a <see cref="KindJsonConverter{TBase}"/> read. The serializer sets
/// <see cref="JsonException.Path"/> to where that value is; <see cref="Within"/> is the rest of the way to the
/// problem (<c>dataset</c> + <c>trainCount</c>).
/// </summary>
public sealed class SpecJsonException(string within, string message) : JsonException(message)
{
    public string Within { get; } = within;

    internal static SpecJsonException Below(JsonException inner) =>
        new(SpecJson.Relative(SpecJson.PathOf(inner)), SpecJson.WithoutPath(inner.Message));
}
