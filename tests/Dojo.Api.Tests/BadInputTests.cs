using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dojo.Api.Tests;

/// <summary>Every bad request is a 400 ProblemDetails naming the field, never a 500, and stores nothing.</summary>
public sealed class BadInputTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly HttpClient _http = factory.CreateClient();

    private async Task<ValidationProblemDetails> PostExpecting400Async(string json)
    {
        int before = await JobCountAsync();
        var response = await _http.PostAsync("/api/jobs", new StringContent(json, Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await JobCountAsync());
        return (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
    }

    private async Task<int> JobCountAsync()
    {
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        return await db.Jobs.CountAsync();
    }

    private static string Xor(params (string Path, JsonNode? Value)[] changes) =>
        DojoClient.With(DojoClient.Sample("xor"), changes).ToJsonString();

    [Fact]
    public async Task Unknown_activation_names_the_layer_field()
    {
        var json = Xor(("network.layers", JsonNode.Parse("""[{ "type": "dense", "units": 4 }, { "type": "activation", "function": "swish" }, { "type": "dense", "units": 1 }]""")));
        var problem = await PostExpecting400Async(json);
        var message = Assert.Single(problem.Errors["network.layers[1].function"]);
        Assert.Contains("'swish' is not one of", message);
    }

    /// <summary>What the framework could not read is said in the request's words: the field and the value it takes, nothing of .NET.</summary>
    [Theory]
    [InlineData("training.epochs", "1.5", "training.epochs", "must be a whole number")]
    [InlineData("name", "5", "name", "must be a string (in quotes)")]
    [InlineData("dataset.noise", "true", "dataset.noise", "must be a number")]
    [InlineData("network.layers[0].units", "\"four\"", "network.layers[0].units", "must be a whole number")]
    [InlineData("optimizer.lr", "0.1", "optimizer.lr", "is not a field here; the fields are: kind, learningRate, momentum")]
    [InlineData("network", "null", "network", "must be an object ({...}), not null")]
    public async Task A_value_of_the_wrong_kind_is_named_in_the_requests_words(string path, string value, string field, string message)
    {
        var problem = await PostExpecting400Async(Xor((path, JsonNode.Parse(value))));
        Assert.StartsWith(message, Assert.Single(problem.Errors[field]));
    }

    [Theory]
    [InlineData("", "body", "a JSON body is required")]
    [InlineData("{\"name\": \"x\",}", "body", "is not valid JSON (line 1, position 14): The JSON object contains a trailing comma at the end.")]
    public async Task A_body_that_is_not_json_says_so(string body, string field, string message)
    {
        var problem = await PostExpecting400Async(body);
        Assert.Equal(message, Assert.Single(problem.Errors[field]));
    }

    [Fact]
    public async Task A_query_value_of_the_wrong_kind_names_the_parameter()
    {
        var response = await _http.GetAsync("/api/jobs?page=abc");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'abc' is not a whole number", Assert.Single((await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["page"]));
    }

    [Fact]
    public async Task Negative_learning_rate_is_named()
    {
        var problem = await PostExpecting400Async(Xor(("optimizer.learningRate", -0.5)));
        Assert.Contains("optimizer.learningRate", problem.Errors.Keys);
    }

    [Fact]
    public async Task Layers_whose_shapes_do_not_fit_are_named()
    {
        var json = Xor(("training.loss", "crossEntropy"));
        var problem = await PostExpecting400Async(json);
        Assert.Contains("crossEntropy over 2 classes needs 2", Assert.Single(problem.Errors["network.layers[5]"]));
    }

    [Fact]
    public async Task Fifty_million_parameters_are_refused()
    {
        var json = Xor(("network.layers", JsonNode.Parse("""[{ "type": "dense", "units": 10000 }, { "type": "dense", "units": 5000 }, { "type": "dense", "units": 1 }]""")));
        var problem = await PostExpecting400Async(json);
        Assert.Contains("limit is 5,000,000", Assert.Single(problem.Errors["network.layers[1]"]));
    }

    [Theory]
    [InlineData("{ \"name\": ", "name")]
    [InlineData("not json", "body")]
    [InlineData("{ \"dataset\": { \"generator\": 12 } }", "dataset.generator")]
    [InlineData("{ \"training\": { \"epochs\": \"many\" } }", "training.epochs")]
    [InlineData("{ \"netwrok\": {} }", "netwrok")]
    public async Task Malformed_json_is_a_400_naming_where(string json, string field)
    {
        var problem = await PostExpecting400Async(json);
        Assert.Contains(problem.Errors.Keys, k => k == field || k.StartsWith(field, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_parts_and_unknown_ids_are_named()
    {
        var problem = await PostExpecting400Async($$"""{ "networkId": "{{Guid.NewGuid()}}" }""");
        Assert.Contains("dataset", problem.Errors.Keys);
        Assert.Contains("networkId", problem.Errors.Keys);
    }

    [Fact]
    public async Task Device_no_worker_offers_is_refused_listing_the_available_ones()
    {
        var problem = await PostExpecting400Async(Xor(("training.device", "cuda:0")));
        var message = Assert.Single(problem.Errors["training.device"]);
        Assert.Contains("available: cpu", message);
    }

    [Fact]
    public async Task Bad_query_values_are_400_not_500()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/jobs?pageSize=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/jobs?state=sleeping")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/api/jobs/{Guid.NewGuid()}/metrics?fromSeq=0")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_and_interactive_page_are_served()
    {
        var document = await _http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/api/jobs/{id}/metrics\"", document);
        Assert.Contains("SubmitJob", document);
        var page = await _http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>The document carries the bearer scheme (the /docs page can send a token) and the refusals each operation can meet.</summary>
    [Fact]
    public async Task OpenApi_document_describes_the_token_and_the_refusals()
    {
        var document = (await _http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var scheme = document["components"]!["securitySchemes"]!["bearer"]!;
        Assert.Equal(("http", "bearer"), (scheme["type"]!.GetValue<string>(), scheme["scheme"]!.GetValue<string>()));
        IEnumerable<string> Responses(string path, string method) => document["paths"]![path]![method]!["responses"]!.AsObject().Select(r => r.Key);
        JsonNode? Security(string path, string method) => document["paths"]![path]![method]!["security"];

        Assert.Contains("bearer", Security("/api/jobs/{id}", "get")!.ToJsonString());
        Assert.Superset(new HashSet<string> { "401", "404" }, Responses("/api/jobs/{id}", "get").ToHashSet());
        Assert.Superset(new HashSet<string> { "401", "413", "429" }, Responses("/api/jobs", "post").ToHashSet());
        Assert.Superset(new HashSet<string> { "401", "404", "409" }, Responses("/api/jobs/{id}/cancel", "post").ToHashSet());
        Assert.Contains("403", Responses("/api/users", "post"));
        Assert.DoesNotContain("403", Responses("/api/jobs", "post"));
    }

    [Fact]
    public async Task Saved_optimizer_is_validated()
    {
        var response = await _http.PostAsJsonAsync("/api/optimizers", new { name = "bad", spec = new { kind = "adam", learningRate = -1 } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains("spec.learningRate", problem!.Errors.Keys);
    }

    [Theory]
    [InlineData("/api/datasets/uploads", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nunterminated")]
    [InlineData("/api/users/roster", "multipart/form-data; boundary=x", "--x\r\nnot a header at all")]
    public async Task Bodies_read_by_the_endpoint_itself_are_400_when_malformed(string path, string contentType, string body)
    {
        var content = new StringContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var response = await _http.PostAsync(path, content);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Contains("body", (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }

    [Fact]
    public async Task Malformed_json_for_a_prediction_is_400()
    {
        var client = new DojoClient(_http);
        var job = await client.WaitFinishedAsync((await client.SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 2)))).Id);
        var response = await _http.PostAsync($"/api/jobs/{job.Id}/predict", new StringContent("{\"inputs\": [[1, 2]", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var fine = await _http.PostAsJsonAsync($"/api/jobs/{job.Id}/predict", new { inputs = new[] { new[] { 1.0, 1.0 }, new[] { 1.0, -1.0 } } });
        Assert.Equal(2, (await fine.Content.ReadFromJsonAsync<Dojo.Worker.Training.Supervised.PredictResponse>(Dojo.Domain.Specs.SpecJson.Options))!.Predictions.Count);
    }

    [Fact]
    public async Task A_layer_without_a_type_is_a_400_naming_its_type_field_in_jobs_networks_and_experiments()
    {
        var untyped = JsonNode.Parse("""[{ "units": 4 }, { "type": "dense", "units": 1 }]""");
        var problem = await PostExpecting400Async(Xor(("network.layers", untyped)));
        var message = Assert.Single(problem.Errors["network.layers[0].type"]);
        Assert.Contains("is required: one of dense, activation, dropout", message);

        var saved = await _http.PostAsJsonAsync("/api/networks", new { name = "untyped", spec = new { layers = new[] { new { units = 4 } } } });
        Assert.Equal(HttpStatusCode.BadRequest, saved.StatusCode);
        Assert.Contains("spec.layers[0].type", (await saved.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);

        var experiment = new JsonObject
        {
            ["name"] = "untyped",
            ["base"] = DojoClient.With(DojoClient.Sample("xor"), ("network.layers", untyped!.DeepClone())),
            ["vary"] = new JsonObject { ["training.epochs"] = new JsonArray(1, 2) },
        };
        var refused = await _http.PostAsJsonAsync("/api/experiments", experiment);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains((await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys, k => k.EndsWith("network.layers[0].type", StringComparison.Ordinal));

        var varied = new JsonObject
        {
            ["name"] = "untyped vary",
            ["base"] = DojoClient.Sample("xor"),
            ["vary"] = new JsonObject { ["network.layers[1]"] = new JsonArray(new JsonObject { ["function"] = "relu" }) },
        };
        var refusedVary = await _http.PostAsJsonAsync("/api/experiments", varied);
        Assert.Equal(HttpStatusCode.BadRequest, refusedVary.StatusCode);
        Assert.Contains((await refusedVary.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys, k => k.EndsWith("network.layers[1].type", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1e999")]
    [InlineData("Infinity")]
    public async Task A_playground_url_with_a_non_finite_number_is_read_not_a_500(string value)
    {
        var response = await _http.PostAsJsonAsync("/api/playground/parse", new { url = $"https://playground.tensorflow.org/#dataset=xor&seed=1&regularizationRate={value}" });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var parsed = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(0, parsed["spec"]!["optimizer"]!["l2"]!.GetValue<double>()); // no regularization chosen: TorchSharp's job leaves the rate out
        Assert.NotNull(parsed["exact"]); // the page's own run takes it as the page does (its update multiplies it by 0: NaN)

        var used = await _http.PostAsJsonAsync("/api/playground/parse", new { url = $"https://playground.tensorflow.org/#dataset=xor&seed=1&regularization=L2&regularizationRate={value}" });
        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        var usedParsed = (await used.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Null(usedParsed["spec"]); // no TorchSharp job with a rate that is not a number
        Assert.Contains(usedParsed["notes"]!.AsArray(), n => n!.GetValue<string>().StartsWith("no TorchSharp spec", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_page_far_past_the_end_is_empty_not_page_one()
    {
        await new DojoClient(_http).SubmitAsync(DojoClient.With(DojoClient.Sample("xor"), ("training.epochs", 1)));
        var page = (await _http.GetFromJsonAsync<JsonObject>("/api/jobs?page=2147483647&pageSize=500"))!;
        Assert.Empty(page["items"]!.AsArray());
        Assert.Equal(int.MaxValue, page["page"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("/api/jobs")]
    [InlineData("/api/experiments")]
    public async Task A_body_that_is_not_json_is_a_415(string path)
    {
        int before = await JobCountAsync();
        var response = await _http.PostAsync(path, new StringContent(DojoClient.Sample("xor").ToJsonString(), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(before, await JobCountAsync());
    }
}
