using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>
/// Random requests — job specs and experiment grids mutated from the samples, playground URLs, roster CSVs, data set
/// uploads — from a fixed seed: none may answer 5xx, and one that is refused stores nothing. About 3,200 cases by
/// default; DOJO_FUZZ_CASES=N runs N of each kind.
/// </summary>
public sealed class FuzzTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private static readonly int? Cases = int.TryParse(Environment.GetEnvironmentVariable("DOJO_FUZZ_CASES"), out int n) ? n : null;
    private static readonly string Seed = new PCG(7, 20261129).ToString();

    private readonly HttpClient _http = factory.CreateClient();

    /// <summary>A value a field might be sent: numbers at their edges, names Dojo knows, strings, booleans, null, empty containers.</summary>
    private static readonly Gen<Func<JsonNode?>> Value = Gen.OneOf<Func<JsonNode?>>(
        Gen.Int.Select(i => (Func<JsonNode?>)(() => i)),
        Gen.Double.Select(d => (Func<JsonNode?>)(() => double.IsFinite(d) ? d : d.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Gen.OneOf<object?>(null, "", "full", "same", "valid", "xor", "spiral", "dense", "conv2d", "relu", "softmax", "supervised", "builtin",
            "upload", "playground", "digits", "mnistSubset", "crossEntropy", "binaryCrossEntropy", "adam", "cuda", "auto", "NaN", "1e999",
            -1, 0, 1, 2, 1000000, int.MaxValue, long.MaxValue, 1e300, -1e-300, 0.5, true, false)
            .Select(v => (Func<JsonNode?>)(() => v is null ? null : JsonSerializer.SerializeToNode(v))),
        Gen.String[0, 12].Select(s => (Func<JsonNode?>)(() => s)),
        Gen.Const<Func<JsonNode?>>(() => new JsonObject()),
        Gen.Const<Func<JsonNode?>>(() => new JsonArray()),
        Gen.Const<Func<JsonNode?>>(() => new JsonObject { ["type"] = "dense" }));

    /// <summary>One change to a request: which node (by its index among all nodes), what to do, and the new value.</summary>
    private static readonly Gen<(int Node, int Operation, Func<JsonNode?> Value)> Mutation = Gen.Select(Gen.Int[0, 10_000], Gen.Int[0, 3], Value);

    private static readonly string[] Samples = ["xor", "spiral", "lenet-mnist", "transfer-5to9"];

    [Fact]
    public async Task Mutated_job_specs_are_never_a_5xx_and_refused_ones_store_nothing()
    {
        var gen = Gen.Select(Gen.Int[0, Samples.Length - 1], Mutation.Array[1, 3]);
        await gen.SampleAsync(async c =>
        {
            var request = Mutate(DojoClient.Sample(Samples[c.Item1]), c.Item2);
            await PostAsync("/api/jobs", request, created: async body => await CancelAsync(body["id"]!.GetValue<Guid>()));
        }, seed: Seed, iter: Cases ?? 1500, threads: 1, print: c => $"{Samples[c.Item1]} with {c.Item2.Length} changes");
    }

    [Fact]
    public async Task Random_experiment_grids_are_never_a_5xx_and_refused_ones_store_nothing()
    {
        var paths = Gen.OneOf("training.epochs", "optimizer.kind", "network.layers[1].function", "network.layers[9].units", "dataset.noise",
            "training.batchSize", "kind", "dataset", "network.layers", "a.b[2].c", "", "network.layers[-1]", "x[99999999999]");
        var gen = Gen.Select(Mutation.Array[0, 2], paths, Value.Array[0, 4]);
        await gen.SampleAsync(async c =>
        {
            var values = new JsonArray(c.Item3.Select(v => v()).ToArray());
            var request = new JsonObject
            {
                ["name"] = "fuzz",
                ["base"] = Mutate(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 1)), c.Item1),
                ["vary"] = new JsonObject { [c.Item2] = values },
            };
            await PostAsync("/api/experiments", request, created: async body =>
            {
                foreach (var run in body["runs"]!.AsArray()) await CancelAsync(run!["job"]!["id"]!.GetValue<Guid>());
            });
        }, seed: Seed, iter: Cases ?? 300, threads: 1);
    }

    [Fact]
    public async Task Random_playground_urls_are_never_a_5xx()
    {
        var keys = Gen.OneOf("dataset", "regDataset", "learningRate", "regularization", "regularizationRate", "activation", "batchSize",
            "noise", "networkShape", "percTrainData", "seed", "x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY", "problem",
            "initZero", "initOrigin", "batchFull", "loss", "discretize", "x_hide", "unknown");
        var values = Gen.OneOf(Gen.OneOf("", "NaN", "Infinity", "-Infinity", "1e999", "-1", "0", "0.5", "3", "4,2", ",", "4,,2", "1000000",
            "true", "false", "xor", "spiral", "reg-gauss", "L1", "L2", "relu", "linear", "mae", "0x10", "%", "%ZZ", "é"), Gen.String[0, 8]);
        var gen = Gen.Select(Gen.OneOf("https://playground.tensorflow.org/#", "https://deepinsider.github.io/playground/#", "http://example.com/#", ""),
            Gen.Select(keys, values).Array[0, 8]);
        await gen.SampleAsync(async c =>
        {
            string url = c.Item1 + string.Join("&", c.Item2.Select(kv => $"{kv.Item1}={kv.Item2}"));
            var response = await _http.PostAsJsonAsync("/api/playground/parse", new { url, epochs = 10 });
            Assert.True((int)response.StatusCode < 500, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }, seed: Seed, iter: Cases ?? 1000, threads: 1);
    }

    [Fact]
    public async Task Random_roster_csvs_are_never_a_5xx_and_refused_ones_add_nobody()
    {
        var field = Gen.OneOf(Gen.OneOf("学籍番号", "氏名", "number", "name", "R001", "山田太郎", "\"a,b\"", "\"", "\"\"", "", " ", "\u00A0"), Gen.String[0, 10]);
        var gen = Gen.Select(Gen.Bool, field.Array[0, 4].Array[0, 6]);
        await gen.SampleAsync(async c =>
        {
            string csv = (c.Item1 ? "\uFEFF" : "") + string.Join("\n", c.Item2.Select(line => string.Join(",", line)));
            int before = await CountAsync(db => db.Users.CountAsync());
            var response = await _http.PostAsync("/api/users/roster", new StringContent(csv, Encoding.UTF8, "text/csv"));
            Assert.True((int)response.StatusCode < 500, $"{csv}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (response.StatusCode != HttpStatusCode.Created) Assert.Equal(before, await CountAsync(db => db.Users.CountAsync()));
        }, seed: Seed, iter: Cases ?? 200, threads: 1);
    }

    [Fact]
    public async Task Random_data_set_uploads_are_never_a_5xx_and_refused_ones_store_nothing()
    {
        var idxStart = Gen.OneOf<byte[]>([0, 0, 8, 3], [0, 0, 8, 1], [0, 0, 0x0D, 2], [0x1F, 0x8B], [], [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]);
        var bytes = Gen.Select(idxStart, Gen.Byte.Array[0, 64]).Select(p => p.Item1.Concat(p.Item2).ToArray());
        var gen = Gen.Select(Gen.Bool, bytes, bytes, Gen.OneOf("", "2", "10", "-1", "x"));
        await gen.SampleAsync(async c =>
        {
            using var form = new MultipartFormDataContent { { new StringContent("fuzz"), "name" }, { new StringContent(c.Item4), "classes" } };
            if (c.Item1) form.Add(new ByteArrayContent(c.Item2), "csv", "data.csv");
            else
            {
                form.Add(new ByteArrayContent(c.Item2), "images", "images.idx");
                form.Add(new ByteArrayContent(c.Item3), "labels", "labels.idx");
            }
            int before = await CountAsync(db => db.DatasetUploads.CountAsync());
            var response = await _http.PostAsync("/api/datasets/uploads", form);
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (response.StatusCode != HttpStatusCode.Created)
            {
                Assert.Equal(before, await CountAsync(db => db.DatasetUploads.CountAsync()));
                Assert.Equal(before, StoredDataSets());
            }
        }, seed: Seed, iter: Cases ?? 200, threads: 1);
    }

    /// <summary>Posts a request; never a 5xx; created: <paramref name="created"/> cleans up; refused: no job was stored.</summary>
    private async Task PostAsync(string path, JsonObject request, Func<JsonObject, Task> created)
    {
        int before = await CountAsync(db => db.Jobs.CountAsync());
        var response = await _http.PostAsync(path, new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {request.ToJsonString()}: {body}");
        if (response.StatusCode == HttpStatusCode.Created) await created(JsonNode.Parse(body)!.AsObject());
        else Assert.Equal(before, await CountAsync(db => db.Jobs.CountAsync()));
    }

    private Task CancelAsync(Guid jobId) => _http.PostAsync($"/api/jobs/{jobId}/cancel", null);

    private async Task<int> CountAsync(Func<DojoDb, Task<int>> count)
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        return await count(db);
    }

    private int StoredDataSets()
    {
        string folder = Path.Combine(factory.DataDirectory, "datasets");
        return Directory.Exists(folder) ? Directory.GetDirectories(folder).Count(d => Path.GetFileName(d) != "incoming") : 0;
    }

    /// <summary>The request with each mutation applied to one of its nodes: replaced, removed, given an unknown member, or emptied.</summary>
    private static JsonObject Mutate(JsonObject request, IEnumerable<(int Node, int Operation, Func<JsonNode?> Value)> mutations)
    {
        foreach (var (index, operation, value) in mutations)
        {
            var nodes = Nodes(request).ToList();
            var (parent, key) = nodes[index % nodes.Count];
            switch (operation)
            {
                case 0:
                    Set(parent, key, value());
                    break;
                case 1 when parent is JsonObject obj:
                    obj.Remove((string)key);
                    break;
                case 2 when Get(parent, key) is JsonObject target:
                    target["unexpected"] = value();
                    break;
                default:
                    Set(parent, key, Get(parent, key) is JsonArray ? new JsonArray() : value());
                    break;
            }
        }
        return request;
    }

    private static IEnumerable<(JsonNode Parent, object Key)> Nodes(JsonNode node)
    {
        if (node is JsonObject obj)
            foreach (var (name, child) in obj.ToList())
            {
                yield return (obj, name);
                if (child is not null) foreach (var inner in Nodes(child)) yield return inner;
            }
        else if (node is JsonArray array)
            for (int i = 0; i < array.Count; i++)
            {
                yield return (array, i);
                if (array[i] is { } child) foreach (var inner in Nodes(child)) yield return inner;
            }
    }

    private static JsonNode? Get(JsonNode parent, object key) => key is string name ? parent[name] : parent[(int)key];

    private static void Set(JsonNode parent, object key, JsonNode? value)
    {
        if (key is string name) parent[name] = value;
        else parent[(int)key] = value;
    }
}
