using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dojo.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace Dojo.Api.Tests;

/// <summary>Submits and uploads per token and minute: over the limit a 429 with Retry-After; instructors unlimited.</summary>
public sealed class RateLimitTests(RateLimitTests.Tight factory) : IClassFixture<RateLimitTests.Tight>
{
    public sealed class Tight : DojoFactory
    {
        protected override IEnumerable<(string, string)> Settings => [("Dojo:RateLimits:SubmitsPerMinute", "3"), ("Dojo:RateLimits:UploadsPerMinute", "2")];
    }

    private static StringContent NotAJob() => new("""{ "network": { "layers": [] } }""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_student_over_the_submit_limit_gets_429_with_retry_after_and_an_instructor_does_not()
    {
        var (student, _) = await factory.CreateStudentAsync("連打 学生");
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.BadRequest, (await student.PostAsync("/api/jobs", NotAJob())).StatusCode);

        var limited = await student.PostAsync("/api/jobs", NotAJob());
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single()), 1, 60);
        Assert.Contains("Dojo:RateLimits", (await limited.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await student.PostAsJsonAsync("/api/experiments", new { name = "x" })).StatusCode);

        var (other, _) = await factory.CreateStudentAsync("連打 別学生");
        Assert.Equal(HttpStatusCode.BadRequest, (await other.PostAsync("/api/jobs", NotAJob())).StatusCode); // each token its own limit
        var instructor = factory.CreateClient();
        for (int i = 0; i < 6; i++) Assert.Equal(HttpStatusCode.BadRequest, (await instructor.PostAsync("/api/jobs", NotAJob())).StatusCode);
    }

    [Fact]
    public async Task Uploads_have_their_own_limit()
    {
        var (student, _) = await factory.CreateStudentAsync("連打 アップロード");
        HttpContent Junk() => new MultipartFormDataContent { { new StringContent("junk"), "name" }, { new ByteArrayContent([1, 2, 3]), "csv", "a.csv" } };
        for (int i = 0; i < 2; i++) Assert.Equal(HttpStatusCode.BadRequest, (await student.PostAsync("/api/datasets/uploads", Junk())).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await student.PostAsync("/api/datasets/uploads", Junk())).StatusCode);
    }
}
