using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Dojo.Api.Experiments;

/// <summary>
/// The runs of an experiment: every combination of the values to vary (the grid), each applied to a copy of
/// the base request at its path (<c>optimizer.kind</c>, <c>network.layers[3].function</c>), with a label
/// that names the values (<c>optimizer.kind=adam, training.epochs=5</c>).
/// </summary>
public static partial class ExperimentGrid
{
    public sealed record Run(int Index, string Label, JsonObject Request);

    /// <summary>A path or value that cannot be applied, keyed by the field to name in the 400.</summary>
    public sealed class GridException(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }

    public static List<Run> Expand(JsonObject @base, JsonObject vary, int maxRuns)
    {
        if (vary.Count == 0) throw new GridException("vary", "names no parameter to vary");
        var axes = new List<(string Path, JsonArray Values)>();
        long combinations = 1;
        foreach (var (path, values) in vary)
        {
            if (values is not JsonArray { Count: > 0 } array) throw new GridException($"vary.{path}", "must be a non-empty array of values");
            axes.Add((path, array));
            combinations *= array.Count;
        }
        if (combinations > maxRuns) throw new GridException("vary", $"makes {combinations} runs; the limit is {maxRuns} (Dojo:Limits:MaxExperimentRuns)");

        var runs = new List<Run>();
        var choice = new int[axes.Count];
        for (int index = 0; index < combinations; index++)
        {
            var request = @base.DeepClone().AsObject();
            var label = new List<string>();
            for (int a = 0; a < axes.Count; a++)
            {
                var value = axes[a].Values[choice[a]];
                label.Add($"{axes[a].Path}={Show(value, Get(@base, axes[a].Path))}");
                Set(request, axes[a].Path, value?.DeepClone());
            }
            runs.Add(new Run(index, string.Join(", ", label), request));
            for (int a = axes.Count - 1; a >= 0 && ++choice[a] == axes[a].Values.Count; a--) choice[a] = 0; // odometer: the last axis turns fastest
        }
        return runs;
    }

    /// <summary>Sets <c>a.b[2].c</c> in <paramref name="root"/>; every step but the last must exist.</summary>
    public static void Set(JsonObject root, string path, JsonNode? value)
    {
        var steps = Step().Matches(path).Select(m => (Name: m.Groups[1].Value, Index: !m.Groups[2].Success ? (int?)null
            : int.TryParse(m.Groups[2].Value, out int index) ? index : throw new GridException($"vary.{path}", $"{m.Groups[2].Value} is not an index"))).ToList();
        if (steps.Count == 0 || string.Join(".", steps.Select(s => s.Index is null ? s.Name : $"{s.Name}[{s.Index}]")) != path)
            throw new GridException($"vary.{path}", "is not a path like optimizer.kind or network.layers[3].function");
        JsonNode current = root;
        for (int i = 0; i < steps.Count; i++)
        {
            var (name, index) = steps[i];
            bool last = i == steps.Count - 1;
            var obj = current as JsonObject ?? throw new GridException($"vary.{path}", $"'{name}' is not inside an object in the base request");
            if (index is null)
            {
                if (last) { obj[name] = value; return; }
                current = obj[name] ?? (obj[name] = new JsonObject());
                continue;
            }
            if (obj[name] is not JsonArray array || index >= array.Count)
                throw new GridException($"vary.{path}", $"the base request has no {name}[{index}]");
            if (last) { array[index.Value] = value; return; }
            current = array[index.Value]!;
        }
    }

    /// <summary>
    /// A value as a label shows it: a string bare, an object in place of one in the base request by the members it
    /// changes (<c>{"replay":false}</c>; <c>as base</c> when it changes none), a list of layers in place of the base's by
    /// the layers it adds and drops (<c>{"layers":"+6 dropout(rate=0.2)"}</c>), anything else as JSON.
    /// </summary>
    private static string Show(JsonNode? value, JsonNode? replaced)
    {
        if (value is JsonValue v && v.TryGetValue(out string? text)) return text;
        if (value is JsonObject changed && replaced is JsonObject original)
        {
            var differing = new JsonObject();
            foreach (var (name, member) in changed)
                if (!JsonNode.DeepEquals(member, original[name]))
                    differing[name] = member is JsonArray items && original[name] is JsonArray before && Typed(items) && Typed(before)
                        ? Difference(items, before) : member?.DeepClone();
            return differing.Count == 0 && changed.Count == original.Count ? "as base" : differing.ToJsonString(Unescaped);
        }
        return value?.ToJsonString() ?? "null";
    }

    private static readonly System.Text.Json.JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static bool Typed(JsonArray items) => items.Count > 0 && items.All(i => i is JsonObject o && o["type"] is JsonValue);

    /// <summary>"+6 dropout(rate=0.2), −1 dense(units=50)": the layers one list has more or fewer of than the other.</summary>
    private static string Difference(JsonArray items, JsonArray before)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in items) counts[Describe((JsonObject)item!)] = counts.GetValueOrDefault(Describe((JsonObject)item!)) + 1;
        foreach (var item in before) counts[Describe((JsonObject)item!)] = counts.GetValueOrDefault(Describe((JsonObject)item!)) - 1;
        var parts = counts.Where(c => c.Value != 0).Select(c => $"{(c.Value > 0 ? "+" : "−")}{Math.Abs(c.Value)} {c.Key}").ToList();
        return parts.Count == 0 ? "reordered" : string.Join(", ", parts);
    }

    private static string Describe(JsonObject layer)
    {
        var settings = layer.Where(m => m.Key != "type").Select(m => $"{m.Key}={(m.Value is JsonValue s && s.TryGetValue(out string? t) ? t : m.Value?.ToJsonString())}").ToList();
        return settings.Count == 0 ? layer["type"]!.ToString() : $"{layer["type"]}({string.Join(", ", settings)})";
    }

    /// <summary>The value at <c>a.b[2].c</c> in <paramref name="root"/>, or null where there is none.</summary>
    private static JsonNode? Get(JsonObject root, string path)
    {
        JsonNode? current = root;
        foreach (Match step in Step().Matches(path))
        {
            current = (current as JsonObject)?[step.Groups[1].Value];
            if (step.Groups[2].Success)
                current = current is JsonArray array && int.TryParse(step.Groups[2].Value, out int index) && index < array.Count ? array[index] : null;
        }
        return current;
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")]
    private static partial Regex Step();
}
