using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>Finding the seeded exercises and making new ones, through the API as an instructor.</summary>
public static class CourseHelpers
{
    /// <summary>The seeded 深層学習 unit's exercise with this number (1: 演習①, 2: 演習②).</summary>
    public static async Task<Guid> SeededExerciseAsync(HttpClient instructor, int number)
    {
        var courses = (await instructor.GetFromJsonAsync<JsonArray>("/api/courses"))!;
        var unit = courses.Single(c => c!["name"]!.GetValue<string>() == "AI概論")!["units"]![0]!;
        return unit["exercises"]!.AsArray().Single(e => e!["definition"]!["number"]!.GetValue<int>() == number)!["id"]!.GetValue<Guid>();
    }

    /// <summary>A new report exercise in a new course 科目 › unit 単元 (so the template gives 単元{n}_{name}.{ext}).</summary>
    public static async Task<Guid> NewReportExerciseAsync(HttpClient instructor, int number, object? extra = null)
    {
        var course = await (await instructor.PostAsJsonAsync("/api/courses", new { name = "科目" })).Content.ReadFromJsonAsync<JsonObject>();
        var unitResponse = await instructor.PostAsJsonAsync($"/api/courses/{course!["id"]}/units", new { name = "単元" });
        var unit = await unitResponse.Content.ReadFromJsonAsync<JsonObject>();
        var definition = new JsonObject
        {
            ["number"] = number,
            ["title"] = "レポート",
            ["kind"] = "reportFile",
            ["allowedFileKinds"] = new JsonArray("pdf", "md"),
        };
        if (extra is not null)
            foreach (var (key, value) in System.Text.Json.JsonSerializer.SerializeToNode(extra)!.AsObject()) definition[key] = value?.DeepClone();
        var response = await instructor.PostAsJsonAsync($"/api/units/{unit!["id"]}/exercises", definition);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
    }

    /// <summary>The response's JSON object (empty for no body), failing the test with the request and the body when the status is not <paramref name="expected"/>.</summary>
    public static async Task<JsonObject> OkAsync(HttpResponseMessage response, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? [] : JsonNode.Parse(body)!.AsObject();
    }

    public static MultipartFormDataContent FilePart(byte[] content, string fileName)
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(content), "file", fileName);
        return form;
    }

    public static readonly byte[] Pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"u8.ToArray();
}
