using System.Net;
using System.Net.Http.Json;
using Dojo.Api.Exercises;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Dojo.Api.Tests.Infrastructure.CourseHelpers;

namespace Dojo.Api.Tests;

/// <summary>The real clock moved by a set offset: the API's injected <see cref="TimeProvider"/> in these tests.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

public sealed class ClockedDojoFactory : DojoFactory
{
    public ShiftedClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>Due date, cutoff and extensions, judged by the API's clock (moved forward here instead of waiting).</summary>
public sealed class SubmissionWindowTests(ClockedDojoFactory factory) : IClassFixture<ClockedDojoFactory>
{
    [Fact]
    public async Task Late_work_is_marked_with_how_late_work_after_the_cutoff_is_refused_and_an_extension_lets_a_student_in()
    {
        var instructor = factory.CreateClient();
        var start = factory.Clock.GetUtcNow().UtcDateTime;
        var exercise = await NewReportExerciseAsync(instructor, 1, new { due = start.AddHours(1), cutoff = start.AddHours(2) });
        var (punctual, _) = await factory.CreateStudentAsync("時間 厳守");
        var (late, _) = await factory.CreateStudentAsync("遅刻 常習");
        var (extended, extendedIssued) = await factory.CreateStudentAsync("延長 申請");

        var onTime = await SubmitAsync(punctual, exercise);
        Assert.Null(onTime.LateBySeconds);

        factory.Clock.Offset = TimeSpan.FromMinutes(90);
        var lateBy30 = await SubmitAsync(late, exercise);
        Assert.InRange(lateBy30.LateBySeconds!.Value, 30 * 60, 30 * 60 + 60);

        factory.Clock.Offset = TimeSpan.FromHours(3);
        var refused = await extended.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("extension", (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        Assert.Equal(HttpStatusCode.Forbidden, (await late.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf"))).StatusCode);

        var granted = await instructor.PutAsJsonAsync($"/api/exercises/{exercise}/extensions/{extendedIssued.User.Id}", new { until = start.AddHours(4) });
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        var admitted = await SubmitAsync(extended, exercise);
        Assert.Null(admitted.LateBySeconds); // within the extension: on time
        Assert.Equal(HttpStatusCode.Forbidden, (await late.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf"))).StatusCode);

        factory.Clock.Offset = TimeSpan.FromHours(5);
        Assert.Equal(HttpStatusCode.Forbidden, (await extended.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf"))).StatusCode);
        var ownExtensions = (await extended.GetFromJsonAsync<List<ExtensionDto>>($"/api/exercises/{exercise}/extensions", SpecJson.Options))!;
        Assert.Equal(start.AddHours(4), Assert.Single(ownExtensions).Until, TimeSpan.FromMilliseconds(1));
        Assert.Empty((await late.GetFromJsonAsync<List<ExtensionDto>>($"/api/exercises/{exercise}/extensions", SpecJson.Options))!);
    }

    private static async Task<SubmissionDto> SubmitAsync(HttpClient student, Guid exercise)
    {
        var response = await student.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return System.Text.Json.JsonSerializer.Deserialize<SubmissionDto>(body, SpecJson.Options)!;
    }
}
