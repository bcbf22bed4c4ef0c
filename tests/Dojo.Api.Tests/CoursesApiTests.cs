using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Exercises;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dojo.Api.Tests;

public sealed class CoursesApiTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task First_start_seeds_the_deep_learning_unit_with_both_exercises_once()
    {
        var courses = (await _http.GetFromJsonAsync<JsonArray>("/api/courses"))!;
        var course = Assert.Single(courses, c => c!["name"]!.GetValue<string>() == "AI概論")!;
        var unit = Assert.Single(course["units"]!.AsArray())!;
        Assert.Equal("深層学習", unit["name"]!.GetValue<string>());
        var exercises = unit["exercises"]!.AsArray();
        Assert.Equal(["playgroundUrl", "reportFile"], exercises.Select(e => e!["definition"]!["kind"]!.GetValue<string>()));
        Assert.Contains("XOR", exercises[0]!["definition"]!["description"]!.GetValue<string>());
        Assert.Equal(7, exercises[1]!["definition"]!["allowedFileKinds"]!.AsArray().Count);
        Assert.Contains("深層学習②_", exercises[1]!["definition"]!["description"]!.GetValue<string>());

        // Another start finds the course and seeds nothing.
        var seeder = factory.Services.GetServices<IHostedService>().OfType<CourseSeeder>().Single();
        await seeder.StartAsync(CancellationToken.None);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Courses.CountAsync(c => c.Name == "AI概論"));
    }

    [Fact]
    public async Task Exercises_are_created_in_units_and_validated_naming_fields()
    {
        var course = await (await _http.PostAsJsonAsync("/api/courses", new { name = "機械学習" })).Content.ReadFromJsonAsync<JsonObject>();
        var unitResponse = await _http.PostAsJsonAsync($"/api/courses/{course!["id"]}/units", new { name = "CNN" });
        Assert.Equal(HttpStatusCode.Created, unitResponse.StatusCode);
        var unitId = (await unitResponse.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        var good = new { number = 1, title = "レポート", kind = "reportFile", allowedFileKinds = new[] { "pdf", "docx" },
            due = "2026-12-01T15:00:00Z", cutoff = "2026-12-08T15:00:00Z" };
        var created = await _http.PostAsJsonAsync($"/api/units/{unitId}/exercises", good);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var exercise = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var fetched = await _http.GetFromJsonAsync<JsonObject>(created.Headers.Location!.ToString());
        Assert.Equal(exercise["id"]!.GetValue<Guid>(), fetched!["id"]!.GetValue<Guid>());
        Assert.Equal("{unit}{exerciseNo}_{studentName}.{ext}", fetched["definition"]!["namingTemplate"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Conflict, (await _http.PostAsJsonAsync($"/api/units/{unitId}/exercises", good)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsJsonAsync($"/api/units/{Guid.NewGuid()}/exercises", good)).StatusCode);

        var bad = new { number = 2, title = "", kind = "reportFile", allowedFileKinds = Array.Empty<string>(),
            due = "2026-12-08T15:00:00Z", cutoff = "2026-12-01T15:00:00Z", namingTemplate = "{studentPath}" };
        var refused = await _http.PostAsJsonAsync($"/api/units/{unitId}/exercises", bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = (await refused.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Superset(new HashSet<string> { "title", "cutoff", "allowedFileKinds", "namingTemplate" }, problem.Errors.Keys.ToHashSet());

        var unknownKind = await _http.PostAsJsonAsync($"/api/units/{unitId}/exercises", new { number = 3, title = "x", kind = "essay" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownKind.StatusCode);
        Assert.Contains("kind", (await unknownKind.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
    }
}
