using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using Dojo.Domain.Specs;
using Dojo.Worker.Training;
using Dojo.Worker.Training.Layers;
using Microsoft.AspNetCore.Mvc;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Dojo.Api.Tests;

/// <summary>
/// Recurrent layers in an ordinary (supervised) job: 8×8 digits read row by row, a row per time step, through the
/// real API and worker; Dojo's stacked cells against libtorch's own multi-layer ones; and the specs that must be refused.
/// </summary>
public sealed class RecurrentLayerTests(DojoFactory factory, ITestOutputHelper output) : IClassFixture<DojoFactory>
{
    private readonly DojoClient _client = new(factory.CreateClient());

    private static JsonObject Cell(string type, bool bidirectional = false) =>
        DojoClient.With(DojoClient.Sample("lstm-digits"), ("name", $"{type} digits{(bidirectional ? " bidirectional" : "")}"),
            ("network.layers", JsonNode.Parse($$"""[ { "type": "{{type}}", "hiddenSize": 64, "bidirectional": {{(bidirectional ? "true" : "false")}} }, { "type": "dense", "units": 10 }, { "type": "activation", "function": "softmax" } ]""")));

    [Theory]
    [InlineData("lstm", false)]
    [InlineData("gru", false)]
    [InlineData("lstm", true)]
    public async Task A_recurrent_network_reading_digits_row_by_row_reaches_ninety_percent_on_held_out_digits(string type, bool bidirectional)
    {
        var job = await _client.WaitFinishedAsync((await _client.SubmitAsync(Cell(type, bidirectional))).Id, TimeSpan.FromMinutes(3));

        Assert.True(job.State == JobState.Succeeded, $"{job.State}: {job.Reason}");
        double accuracy = job.Result![MetricNames.TestAccuracy];
        output.WriteLine($"{type}{(bidirectional ? " (bidirectional)" : "")} on digits by rows: test accuracy {accuracy:F4}, {(job.FinishedAt - job.StartedAt)!.Value.TotalSeconds:F1} s");
        Assert.True(accuracy >= 0.90, $"test accuracy {accuracy}");

        // The trained weights as the worker saved them: both directions' cells, and a head that reads twice the hidden size.
        using var net = job.NetworkForLoading();
        net.load(new MemoryStream(await _client.Http.GetByteArrayAsync($"/api/jobs/{job.Id}/model")));
        var parameters = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(bidirectional, parameters.ContainsKey($"{type}0.cell0.weight_ih_l0_reverse"));
        Assert.Equal([10L, bidirectional ? 128 : 64], parameters["dense1.weight"]);
        Assert.Equal([(type == "lstm" ? 4 : 3) * 64L, 8], parameters[$"{type}0.cell0.weight_ih_l0"]);
    }

    [Fact]
    public void Shape_inference_doubles_a_bidirectional_layers_output_and_keeps_the_steps_when_asked()
    {
        int[] rows = [8, 8];
        Assert.Equal([64], ShapeInference.Apply(new LstmLayer(64), rows).Output!);
        Assert.Equal([128], ShapeInference.Apply(new LstmLayer(64) { Bidirectional = true }, rows).Output!);
        Assert.Equal([8, 128], ShapeInference.Apply(new GruLayer(64) { Bidirectional = true, ReturnSequences = true }, rows).Output!);
        Assert.Equal([8, 10], ShapeInference.Apply(new DenseLayer(10), [8, 128]).Output!); // a per-step head
        Assert.Equal([20, 16], ShapeInference.Apply(new EmbeddingLayer(50, 16), [20]).Output!);
        // PyTorch's counts: LSTM(8→64) 4·64·(8+64+2) = 18,944; two directions of two cells, the second reading 128.
        Assert.Equal(18_944, ShapeInference.Apply(new LstmLayer(64), rows).Parameters);
        Assert.Equal(2 * 18_944 + 2 * 4 * 64 * (128 + 64 + 2), ShapeInference.Apply(new LstmLayer(64) { Layers = 2, Bidirectional = true }, rows).Parameters);
        using var reference = nn.LSTM(8, 64, numLayers: 2, bidirectional: true);
        Assert.Equal(reference.parameters().Sum(p => p.numel()), ShapeInference.Apply(new LstmLayer(64) { Layers = 2, Bidirectional = true }, rows).Parameters);
    }

    public static TheoryData<string> CellTypes => new() { "rnn", "lstm", "gru" };

    /// <summary>Dojo's stack of one-cell modules computes what libtorch's multi-layer module does with the same weights.</summary>
    [Theory]
    [MemberData(nameof(CellTypes))]
    public void Stacked_cells_compute_what_libtorchs_multi_layer_module_computes(string type)
    {
        RecurrentLayer spec = type switch
        {
            "rnn" => new RnnLayer(5) { Layers = 2, Bidirectional = true, ReturnSequences = true },
            "lstm" => new LstmLayer(5) { Layers = 2, Bidirectional = true, ReturnSequences = true },
            _ => new GruLayer(5) { Layers = 2, Bidirectional = true, ReturnSequences = true },
        };
        using var ours = new Recurrent(spec, 3, dropout: null);
        nn.Module reference = type switch
        {
            "rnn" => nn.RNN(3, 5, numLayers: 2, batchFirst: true, bidirectional: true),
            "lstm" => nn.LSTM(3, 5, numLayers: 2, batchFirst: true, bidirectional: true),
            _ => nn.GRU(3, 5, numLayers: 2, batchFirst: true, bidirectional: true),
        };
        // Layer k of the reference is our cell k's layer 0: copy its parameters across.
        using (no_grad())
            foreach (var (name, parameter) in reference.named_parameters())
            {
                int layer = int.Parse(name.Split("_l")[1][..1]);
                string ours0 = $"cell{layer}.{name.Replace($"_l{layer}", "_l0")}";
                ours.named_parameters().Single(p => p.name == ours0).parameter.copy_(parameter);
            }
        using var generator = new Generator(11);
        using var x = randn([4, 7, 3], generator: generator);

        using var sequence = ours.forward(x);
        using var expected = reference switch
        {
            TorchSharp.Modules.LSTM lstm => lstm.forward(x, null).Item1,
            TorchSharp.Modules.GRU gru => gru.forward(x, null).Item1,
            var rnn => ((TorchSharp.Modules.RNN)rnn).forward(x, null).Item1,
        };
        Assert.True(expected.allclose(sequence, rtol: 1e-5, atol: 1e-6), "the step outputs differ");

        // The last step of a bidirectional layer: forwards at the last step, backwards at the first (the final hidden states).
        using var lastOnly = new Recurrent(spec with { ReturnSequences = false }, 3, dropout: null);
        lastOnly.load_state_dict(ours.state_dict());
        using var last = lastOnly.forward(x);
        using var forwards = expected.select(1, -1).narrow(1, 0, 5);
        using var backwards = expected.select(1, 0).narrow(1, 5, 5);
        Assert.True(cat([forwards, backwards], 1).allclose(last, rtol: 1e-5, atol: 1e-6), "the last-step output differs");
        reference.Dispose();
    }

    [Fact]
    public void A_forget_bias_opens_the_keeping_gate_and_in_an_lstm_closes_the_input_gate()
    {
        using var weights = new Generator(1);
        var network = new NetworkSpec { Layers = [new LstmLayer(3) { ForgetBias = 5, ReturnSequences = true }, new GruLayer(3) { ForgetBias = 5 }] };
        using var net = ModelBuilder.Build(network, [4, 2], new NetworkInit(weights, null)).Net;
        var p = net.named_parameters().ToDictionary(x => x.name, x => x.parameter.data<float>().ToArray());

        // LSTM rows: input, forget, cell, output; GRU rows: reset, update, new. The hidden-side bias is 0 on those rows.
        Assert.Equal([-5f, -5, -5, 5, 5, 5], p["lstm0.cell0.bias_ih_l0"][..6]);
        Assert.Equal([0f, 0, 0, 0, 0, 0], p["lstm0.cell0.bias_hh_l0"][..6]);
        Assert.Equal([5f, 5, 5], p["gru1.cell0.bias_ih_l0"][3..6]);
        Assert.Equal([0f, 0, 0], p["gru1.cell0.bias_hh_l0"][3..6]);
        // The other rows keep PyTorch's U(−1/√3, 1/√3).
        Assert.All(p["lstm0.cell0.bias_ih_l0"][6..].Concat(p["gru1.cell0.bias_ih_l0"][..3]), b => Assert.InRange(b, -0.578f, 0.578f));
        Assert.Contains(p["lstm0.cell0.bias_ih_l0"][6..], b => b != 0);
    }

    [Fact]
    public async Task A_recall_data_set_with_a_bad_delay_is_refused_naming_the_field()
    {
        var request = DojoClient.With(DojoClient.Sample("lstm-digits"), ("dataset", JsonNode.Parse("""{ "kind": "recall", "delay": 0 }""")));
        var response = await _client.Http.PostAsJsonAsync("/api/jobs", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("dataset.delay", (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    public static TheoryData<string, string, string> BadSpecs => new()
    {
        { """[ { "type": "lstm", "hiddenSize": 0 }, { "type": "dense", "units": 10 } ]""", "true", "network.layers[0].hiddenSize" },
        { """[ { "type": "lstm", "hiddenSize": 16, "dropout": 0.5 }, { "type": "dense", "units": 10 } ]""", "true", "network.layers[0].dropout" },
        { """[ { "type": "gru", "hiddenSize": 16 }, { "type": "dense", "units": 10 } ]""", "false", "network.layers[0]" },
        { """[ { "type": "embedding", "vocabulary": 20, "size": 4 }, { "type": "lstm", "hiddenSize": 8 }, { "type": "dense", "units": 10 } ]""", "true", "network.layers[0]" },
        { """[ { "type": "lstm", "hiddenSize": 8, "returnSequences": true }, { "type": "dense", "units": 10 } ]""", "true", "network.layers[1]" },
        { """[ { "type": "lstm" }, { "type": "dense", "units": 10 } ]""", "true", "network.layers[0].hiddenSize" },
        { """[ { "type": "rnn", "hiddenSize": 8, "forgetBias": 1 }, { "type": "dense", "units": 10 } ]""", "true", "network.layers[0].forgetBias" },
    };

    /// <summary>
    /// Hidden size 0, dropout with one cell, a recurrent layer fed an image, an embedding on pixel values, a per-step
    /// output where one answer per sample is needed, a missing hidden size: 400 naming the field, nothing stored.
    /// </summary>
    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Bad_recurrent_specs_are_refused_naming_the_field_and_nothing_is_stored(string layers, string asSequence, string field)
    {
        int before = (await _client.Http.GetFromJsonAsync<JsonObject>("/api/jobs?pageSize=1"))!["total"]!.GetValue<int>();
        var request = DojoClient.With(DojoClient.Sample("lstm-digits"), ("network.layers", JsonNode.Parse(layers)), ("dataset.asSequence", bool.Parse(asSequence)));

        var response = await _client.Http.PostAsJsonAsync("/api/jobs", request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.True(problem.Errors.ContainsKey(field), $"expected {field}; got {string.Join("; ", problem.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
        Assert.Equal(before, (await _client.Http.GetFromJsonAsync<JsonObject>("/api/jobs?pageSize=1"))!["total"]!.GetValue<int>());
    }
}
