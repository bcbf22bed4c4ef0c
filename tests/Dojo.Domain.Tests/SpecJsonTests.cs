using System.Text.Json;
using Dojo.Domain.Kinds.Supervised;
using Dojo.Domain.Specs;

namespace Dojo.Domain.Tests;

public class SpecJsonTests
{
    [Fact]
    public void Unknown_activation_lists_the_allowed_ones_at_its_path()
    {
        const string json = """{ "layers": [ { "type": "dense", "units": 2 }, { "type": "activation", "function": "swish" } ] }""";
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<NetworkSpec>(json));
        Assert.Equal("$.layers[1].function", error.Path);
        Assert.Contains("'swish' is not one of: step, sigmoid, tanh, relu", error.Message);
    }

    /// <summary>
    /// Every member a spec record writes can be read back: a computed property (a cast, a derived size) left
    /// serialisable would be written into every stored job and refused, or silently dropped, when sent back.
    /// </summary>
    [Fact]
    public void Every_member_a_spec_writes_is_one_it_reads()
    {
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(typeof(JobSpec).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && (typeof(JobSpec).IsAssignableFrom(t) || typeof(DatasetSpec).IsAssignableFrom(t) || typeof(LayerSpec).IsAssignableFrom(t))));
        var unreadable = new List<string>();
        while (pending.TryDequeue(out var type))
        {
            if (!seen.Add(type)) continue;
            var info = SpecJson.Options.GetTypeInfo(type);
            if (info.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object) continue;
            foreach (var property in info.Properties)
            {
                bool discriminator = property.Name is "kind" or "type";
                if (property.Get is not null && property.Set is null && property.AssociatedParameter is null && !discriminator)
                    unreadable.Add($"{type.Name}.{property.Name}");
                var inner = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (inner.IsGenericType) inner = inner.GetGenericArguments()[0];
                if (inner.Namespace?.StartsWith("Dojo.Domain", StringComparison.Ordinal) == true && !inner.IsEnum && !inner.IsAbstract) pending.Enqueue(inner);
            }
        }
        Assert.Empty(unreadable);
        Assert.Contains(typeof(Kinds.LanguageModel.LanguageModelSpec), seen);
    }

    [Fact]
    public void Misspelt_property_is_refused_not_ignored()
    {
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<OptimizerSpec>("""{ "kind": "adam", "learningrat": 0.1 }"""));
        Assert.Contains("learningrat", error.Message);
    }

    [Fact]
    public void Layer_type_may_come_after_its_fields()
    {
        var network = SpecJson.Deserialize<NetworkSpec>("""{ "layers": [ { "units": 3, "type": "dense" } ] }""");
        Assert.Equal(3, Assert.IsType<DenseLayer>(Assert.Single(network.Layers)).Units);
    }

    [Theory]
    [InlineData("\"full\"", 0)]
    [InlineData("1", 1)]
    [InlineData("32", 32)]
    public void Batch_size_is_a_number_or_full(string json, int size)
    {
        var training = SpecJson.Deserialize<TrainingSpec>($$"""{ "batchSize": {{json}} }""");
        Assert.Equal(size, training.BatchSize.Size);
        Assert.Equal(json.Trim('"'), SpecJson.Serialize(training.BatchSize).Trim('"'));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("\"half\"")]
    public void Batch_size_refuses_anything_else(string json)
    {
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<TrainingSpec>($$"""{ "batchSize": {{json}} }"""));
        Assert.Equal("$.batchSize", error.Path);
    }

    [Fact]
    public void Spec_round_trips()
    {
        var spec = new SupervisedSpec
        {
            Dataset = new PlaygroundDatasetSpec { Generator = PlaygroundGenerator.MultiGauss, Features = [InputFeature.SinX1, InputFeature.X1X2] },
            Network = new NetworkSpec { Layers = [new DenseLayer(3) { Init = new InitSpec(InitKind.He) }, new DropoutLayer(0.2), new BatchNormLayer(), new DenseLayer(1)] },
            Optimizer = new OptimizerSpec { Kind = OptimizerKind.Rmsprop },
            Training = new TrainingSpec { BatchSize = BatchSize.Full, Loss = LossFunction.Huber },
        };
        string json = SpecJson.Serialize(spec);
        Assert.Contains("\"multiGauss\"", json);
        Assert.Contains("\"batchNorm\"", json);
        Assert.Equal(json, SpecJson.Serialize(SpecJson.Deserialize<JobSpec>(json)));
    }

    private const string Xor = """
        { "dataset": { "generator": "xor" }, "network": { "layers": [ { "type": "dense", "units": 1 } ] } }
        """;

    [Fact]
    public void A_spec_without_a_kind_is_supervised_and_is_written_with_its_kind_first()
    {
        var spec = Assert.IsType<SupervisedSpec>(SpecJson.Deserialize<JobSpec>(Xor));
        Assert.IsType<PlaygroundDatasetSpec>(spec.Dataset);
        Assert.StartsWith("""{"kind":"supervised","dataset":{"kind":"playground",""", SpecJson.Serialize<JobSpec>(spec));
        Assert.Equal(SpecJson.Serialize<JobSpec>(spec), SpecJson.Serialize(SpecJson.Deserialize<JobSpec>(Xor.Replace("{ \"dataset\"", "{ \"kind\": \"supervised\", \"dataset\""))));
    }

    [Fact]
    public void An_unknown_kind_is_refused_at_its_path_listing_the_known_ones()
    {
        var job = Assert.Throws<JsonException>(() => SpecJson.Deserialize<JobSpec>(Xor.Replace("{ \"dataset\"", "{ \"kind\": \"gam\", \"dataset\"")));
        Assert.Equal("$.kind", job.Path);
        Assert.Contains("'gam' is not one of: supervised", job.Message);
        var dataset = Assert.Throws<JsonException>(() => SpecJson.Deserialize<JobSpec>(Xor.Replace("\"generator\": \"xor\"", "\"kind\": \"images\"")));
        Assert.Equal("$.dataset.kind", dataset.Path);
        Assert.Contains("playground, builtin, upload", dataset.Message);
    }

    [Theory]
    [InlineData("""{ "kind": "builtin", "name": "digits", "trainCount": "many" }""", "$.dataset.trainCount")]
    [InlineData("""{ "kind": "builtin", "name": "digits", "noise": 10 }""", "$.dataset.noise")]
    [InlineData("""{ "generator": "xor", "classes": [1, 2] }""", "$.dataset.classes")]
    [InlineData("""{ "generator": "xor", "features": ["x1", "x9"] }""", "$.dataset.features[1]")]
    public void A_problem_inside_a_data_set_keeps_its_full_path(string dataset, string path)
    {
        var json = Xor.Replace("""{ "generator": "xor" }""", dataset);
        var error = Assert.Throws<JsonException>(() => SpecJson.Deserialize<JobSpec>(json));
        Assert.Equal(path, error.Path);
        Assert.DoesNotContain("Path:", error.Message);
    }

    [Theory]
    [InlineData("""{"kind":"builtin","generator":"xor","samples":null,"noise":0,"trainPercent":50,"seed":3,"seedText":null,"features":["x1","x2"],"name":"digits","trainCount":600,"testCount":200,"validationPercent":10,"classes":null,"normalization":"unit","uploadId":null,"upload":null}""")]
    [InlineData("""{"kind":"upload","generator":"xor","samples":null,"noise":12,"trainPercent":50,"seed":1,"seedText":null,"features":["x1","x2"],"name":null,"trainCount":null,"testCount":20,"validationPercent":10,"classes":null,"normalization":"unit","uploadId":"01a227c9-845d-7e8b-9752-348fa568cd26","upload":{"sampleShape":[4],"classes":2,"count":60,"pixelMax":0}}""")]
    [InlineData("""{"kind":"playground","generator":"xor","samples":1000,"noise":0,"trainPercent":50,"seed":1,"seedText":null,"features":["x1","x2"],"name":null,"trainCount":null,"testCount":null,"validationPercent":10,"classes":null,"normalization":"unit","uploadId":null,"upload":null}""")]
    public void A_data_set_stored_by_the_build_before_kinds_reads_back_as_its_kind(string stored)
    {
        // As the previous build wrote them (tests/Dojo.Api.Tests/Fixtures/previous-build): every member of its one record, whatever the kind.
        var dataset = SpecJson.DeserializeStored<DatasetSpec>(stored);
        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(stored)!["kind"]!.GetValue<string>(), dataset.Kind);
        string written = SpecJson.Serialize(dataset);
        Assert.Equal(written, SpecJson.Serialize(SpecJson.Deserialize<DatasetSpec>(written)));
        Assert.Throws<JsonException>(() => SpecJson.Deserialize<DatasetSpec>(stored)); // what a person sends is read strictly
    }
}
