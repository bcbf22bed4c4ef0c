using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Specs;

/// <summary>
/// The kinds of one family of records (job specs, data sets, layers): the member that names the kind
/// (<c>"kind"</c>, <c>"type"</c>), each kind's name there, the kind meant when that member is absent (none: it is
/// required), and the members an earlier build wrote into that family's JSON that a kind's record may no longer have
/// (dropped when Dojo reads back what it stored itself).
/// </summary>
public sealed class KindCatalog(string discriminator, string? defaultKind, IReadOnlyCollection<string>? legacyMembers = null)
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, Type> _types = [];
    private readonly Dictionary<Type, string> _names = [];
    private readonly Lock _gate = new();

    public string Discriminator => discriminator;

    public string? Default => defaultKind;

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
            _order.Add(name);
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

    /// <summary>The kinds in the order they were added (the commonest first).</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _order.ToList(); }
    }
}

/// <summary>
/// Reads and writes a family of records told apart by a member (<c>"kind"</c>, <c>"type"</c>), as [JsonPolymorphic]
/// does, with what Dojo's families need beyond it: a default kind where the member may be absent, a clear 400 where it
/// may not, a catalogue that can grow while the process runs (job kinds a worker registers), and — reading what Dojo
/// stored itself — tolerance of members an earlier build wrote. A problem inside the value keeps its full path
/// (<see cref="SpecJson.PathOf"/>).
/// </summary>
internal sealed class KindJsonConverter<TBase>(KindCatalog catalog, bool stored) : JsonConverter<TBase> where TBase : class
{
    public override TBase Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var nodeOptions = new JsonNodeOptions { PropertyNameCaseInsensitive = options.PropertyNameCaseInsensitive };
        if (JsonNode.Parse(ref reader, nodeOptions) is not JsonObject node) throw new JsonException("must be an object");
        string member = catalog.Discriminator, names = string.Join(", ", catalog.Names);
        string kind = node[member] switch
        {
            null => catalog.Default ?? throw new SpecJsonException(member, $"is required: one of {names}"),
            JsonValue value when value.TryGetValue(out string? text) => text,
            _ => throw new SpecJsonException(member, $"must be a string, one of: {names}"),
        };
        var type = catalog.TypeOf(kind) ?? throw new SpecJsonException(member, $"'{kind}' is not one of: {names}");
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
/// problem (<c>dataset</c> + <c>trainCount</c>). A missing required member is named as the field itself
/// (<c>network.layers[0].hiddenSize</c>: "is required"), not as the record that lacks it.
/// </summary>
public sealed partial class SpecJsonException(string within, string message, bool missingRequired = false) : JsonException(message)
{
    public string Within { get; } = within;

    /// <summary>A required member was absent (rather than a value wrong).</summary>
    public bool MissingRequired { get; } = missingRequired;

    internal static SpecJsonException Below(JsonException inner)
    {
        string within = SpecJson.Relative(SpecJson.PathOf(inner)), message = SpecJson.WithoutPath(inner.Message);
        if (inner is SpecJsonException { MissingRequired: true }) return new(within, message, missingRequired: true);
        if (MissingMember().Match(message) is not { Success: true } missing) return new(within, message);
        string member = JsonNamingPolicy.CamelCase.ConvertName(missing.Groups[1].Value);
        return new(within.Length == 0 ? member : $"{within}.{member}", "is required", missingRequired: true);
    }

    /// <summary>System.Text.Json's "… was missing required properties including: 'hiddenSize'."</summary>
    [System.Text.RegularExpressions.GeneratedRegex("missing required properties including: '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex MissingMember();
}
