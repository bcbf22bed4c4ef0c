using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Exercises;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Specs;
using Microsoft.AspNetCore.Mvc;
using static Dojo.Api.Tests.Infrastructure.CourseHelpers;

namespace Dojo.Api.Tests;

/// <summary>What an instructor does with courses after publishing them: change, archive, delete, move and deactivate students.</summary>
public sealed class CourseManagementTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly HttpClient _instructor = factory.CreateClient();

    [Fact]
    public async Task Courses_units_and_exercises_are_changed_archived_and_deleted_and_work_handed_in_is_never_deleted()
    {
        var course = await OkAsync(await _instructor.PostAsJsonAsync("/api/courses", new { name = "統計学", timeZone = "Europe/Berlin" }), HttpStatusCode.Created);
        Assert.Equal("Europe/Berlin", course["timeZone"]!.GetValue<string>());
        string courseId = course["id"]!.GetValue<string>();
        var unit = await OkAsync(await _instructor.PostAsJsonAsync($"/api/courses/{courseId}/units", new { name = "回帰" }), HttpStatusCode.Created);
        string unitId = unit["id"]!.GetValue<string>();
        var renamed = await OkAsync(await _instructor.PatchAsJsonAsync($"/api/units/{unitId}", new { name = "線形回帰" }));
        Assert.Equal("線形回帰", renamed["name"]!.GetValue<string>());
        string kept = (await OkAsync(await _instructor.PostAsJsonAsync($"/api/units/{unitId}/exercises",
            new { number = 1, title = "課題", kind = "reportFile", allowedFileKinds = new[] { "pdf" } }), HttpStatusCode.Created))["id"]!.GetValue<string>();
        string spare = (await OkAsync(await _instructor.PostAsJsonAsync($"/api/units/{unitId}/exercises",
            new { number = 2, title = "予備", kind = "reportFile", allowedFileKinds = new[] { "pdf" } }), HttpStatusCode.Created))["id"]!.GetValue<string>();

        // A change names only what changes; the rest of the definition stays.
        var changed = await OkAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{kept}", new { title = "課題 (改訂)", maxFileBytes = 1000 }));
        Assert.Equal(("課題 (改訂)", "reportFile", 1000), (changed["definition"]!["title"]!.GetValue<string>(), changed["definition"]!["kind"]!.GetValue<string>(),
            changed["definition"]!["maxFileBytes"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.Conflict, (await _instructor.PatchAsJsonAsync($"/api/exercises/{kept}", new { number = 2 })).StatusCode);
        await AssertInvalidAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{kept}", new { titel = "x" }), "titel");
        await AssertInvalidAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{kept}", new { due = "2027-01-10", cutoff = "2027-01-01" }), "cutoff");
        await AssertInvalidAsync(await _instructor.PatchAsJsonAsync($"/api/courses/{courseId}", new { timeZone = "Mars/Olympus" }), "timeZone");
        var student = (await factory.CreateStudentAsync("佐藤 一")).Client;
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PatchAsJsonAsync($"/api/exercises/{kept}", new { title = "x" })).StatusCode);

        // Work handed in keeps its exercise, unit and course from deletion; archiving keeps it and closes the exercise.
        await OkAsync(await student.PostAsync($"/api/exercises/{kept}/submissions/file", FilePart(Pdf, "a.pdf")), HttpStatusCode.Created);
        foreach (var path in new[] { $"/api/exercises/{kept}", $"/api/units/{unitId}", $"/api/courses/{courseId}" })
        {
            var refused = await _instructor.DeleteAsync(path);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("archive", (await refused.Content.ReadFromJsonAsync<ProblemDetails>())!.Detail);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await _instructor.DeleteAsync($"/api/exercises/{spare}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _instructor.GetAsync($"/api/exercises/{spare}")).StatusCode);

        await OkAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{kept}", new { archived = true }));
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsync($"/api/exercises/{kept}/submissions/file", FilePart(Pdf, "b.pdf"))).StatusCode);
        Assert.Single((await _instructor.GetFromJsonAsync<JsonArray>($"/api/exercises/{kept}/submissions"))!);
        var listed = (await _instructor.GetFromJsonAsync<JsonArray>("/api/courses"))!.Single(c => c!["id"]!.GetValue<string>() == courseId)!;
        Assert.Empty(listed["units"]![0]!["exercises"]!.AsArray());
        var withArchived = (await _instructor.GetFromJsonAsync<JsonArray>("/api/courses?archived=true"))!.Single(c => c!["id"]!.GetValue<string>() == courseId)!;
        Assert.True(withArchived["units"]![0]!["exercises"]![0]!["archived"]!.GetValue<bool>());

        await OkAsync(await _instructor.PatchAsJsonAsync($"/api/courses/{courseId}", new { name = "統計学 (2025)", archived = true }));
        Assert.DoesNotContain((await _instructor.GetFromJsonAsync<JsonArray>("/api/courses"))!, c => c!["id"]!.GetValue<string>() == courseId);

        // An empty course goes entirely.
        var empty = await OkAsync(await _instructor.PostAsJsonAsync("/api/courses", new { name = "空" }), HttpStatusCode.Created);
        await OkAsync(await _instructor.PostAsJsonAsync($"/api/courses/{empty["id"]}/units", new { name = "空の単元" }), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await _instructor.DeleteAsync($"/api/courses/{empty["id"]}")).StatusCode);
        Assert.DoesNotContain((await _instructor.GetFromJsonAsync<JsonArray>("/api/courses?archived=true"))!, c => c!["id"]!.GetValue<string>() == empty["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_new_due_date_or_extension_judges_the_work_already_in_again()
    {
        var exercise = await NewReportExerciseAsync(_instructor, 1, new { due = DateTime.UtcNow.AddHours(-2), cutoff = DateTime.UtcNow.AddHours(2) });
        var (student, issued) = await factory.CreateStudentAsync("遅刻 太郎");
        var (other, _) = await factory.CreateStudentAsync("遅刻 花子");
        var late = (await OkAsync(await student.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf")), HttpStatusCode.Created))
            .Deserialize<SubmissionDto>(SpecJson.Options)!;
        var alsoLate = (await OkAsync(await other.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf")), HttpStatusCode.Created))
            .Deserialize<SubmissionDto>(SpecJson.Options)!;
        Assert.InRange(late.LateBySeconds!.Value, 7100, 7300);

        // An extension for one student: their work is on time, the other's stays late.
        await OkAsync(await _instructor.PutAsJsonAsync($"/api/exercises/{exercise}/extensions/{issued.User.Id}", new { until = DateTime.UtcNow.AddHours(1) }));
        Assert.Null((await ReadAsync(late.Id)).LateBySeconds);
        Assert.NotNull((await ReadAsync(alsoLate.Id)).LateBySeconds);

        // A due date moved to an hour ago: the other is late by about an hour now; moved later still: on time.
        await OkAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{exercise}", new { due = DateTime.UtcNow.AddHours(-1) }));
        Assert.InRange((await ReadAsync(alsoLate.Id)).LateBySeconds!.Value, 3500, 3700);
        await OkAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{exercise}", new { due = DateTime.UtcNow.AddDays(1), cutoff = (DateTime?)null }));
        Assert.Null((await ReadAsync(alsoLate.Id)).LateBySeconds);
    }

    [Fact]
    public async Task Students_are_enrolled_moved_and_deactivated_and_each_course_lists_its_students_standing()
    {
        var first = await OkAsync(await _instructor.PostAsJsonAsync("/api/courses", new { name = "前期" }), HttpStatusCode.Created);
        var second = await OkAsync(await _instructor.PostAsJsonAsync("/api/courses", new { name = "後期" }), HttpStatusCode.Created);
        string firstUnit = (await OkAsync(await _instructor.PostAsJsonAsync($"/api/courses/{first["id"]}/units", new { name = "A" }), HttpStatusCode.Created))["id"]!.GetValue<string>();
        string secondUnit = (await OkAsync(await _instructor.PostAsJsonAsync($"/api/courses/{second["id"]}/units", new { name = "B" }), HttpStatusCode.Created))["id"]!.GetValue<string>();
        string firstExercise = (await OkAsync(await _instructor.PostAsJsonAsync($"/api/units/{firstUnit}/exercises",
            new { number = 1, title = "前期課題", kind = "reportFile", allowedFileKinds = new[] { "md" } }), HttpStatusCode.Created))["id"]!.GetValue<string>();
        await OkAsync(await _instructor.PostAsJsonAsync($"/api/units/{secondUnit}/exercises",
            new { number = 1, title = "後期課題", kind = "reportFile", allowedFileKinds = new[] { "md" } }), HttpStatusCode.Created);

        var created = await OkAsync(await _instructor.PostAsJsonAsync("/api/users", new { name = "移動 する", number = "M001", courseId = first["id"] }), HttpStatusCode.Created);
        var mover = factory.CreateClient(created["secret"]!.GetValue<string>());
        string moverId = created["user"]!["id"]!.GetValue<string>();
        Assert.Equal(first["id"]!.GetValue<string>(), created["user"]!["courseId"]!.GetValue<string>());
        await OkAsync(await mover.PostAsync($"/api/exercises/{firstExercise}/submissions/file", FilePart("# 前期\n"u8.ToArray(), "r.md")), HttpStatusCode.Created);

        var standing = await StudentsAsync(first);
        var row = standing.Students.Single(s => s.Student.Number == "M001");
        Assert.Equal(("在籍 enrolled", "submitted", 1), (row.Enrolment, row.Exercises.Single().State, row.Exercises.Single().Attempts));

        // Moved to the second course: listed there (nothing handed in yet), and in the first only for the work they did there.
        await OkAsync(await _instructor.PutAsJsonAsync($"/api/users/{moverId}/course", new { courseId = second["id"] }));
        Assert.Equal("他の科目 other course", (await StudentsAsync(first)).Students.Single(s => s.Student.Number == "M001").Enrolment);
        var moved = (await StudentsAsync(second)).Students.Single(s => s.Student.Number == "M001");
        Assert.Equal(("在籍 enrolled", "notSubmitted"), (moved.Enrolment, moved.Exercises.Single().State));
        Assert.Equal(["後期課題"], (await mover.GetFromJsonAsync<List<MyExerciseDto>>("/api/me/exercises", SpecJson.Options))!.Select(e => e.Title));
        await AssertInvalidAsync(await _instructor.PutAsJsonAsync($"/api/users/{moverId}/course", new { courseId = Guid.NewGuid() }), "courseId");
        Assert.Equal(HttpStatusCode.Forbidden, (await mover.GetAsync($"/api/courses/{second["id"]}/students")).StatusCode);

        // Deactivated: every token stops at once; reactivated: they work again. An instructor cannot lock themselves out.
        await OkAsync(await _instructor.PostAsync($"/api/users/{moverId}/deactivate", null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await mover.GetAsync("/api/me")).StatusCode);
        Assert.Equal("停止 deactivated", (await StudentsAsync(second)).Students.Single(s => s.Student.Number == "M001").Enrolment);
        await OkAsync(await _instructor.PostAsync($"/api/users/{moverId}/reactivate", null));
        Assert.Equal(HttpStatusCode.OK, (await mover.GetAsync("/api/me")).StatusCode);
        var me = (await _instructor.GetFromJsonAsync<JsonObject>("/api/me"))!["id"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Conflict, (await _instructor.PostAsync($"/api/users/{me}/deactivate", null)).StatusCode);
    }

    private async Task<CourseStudentsDto> StudentsAsync(JsonObject course) =>
        (await _instructor.GetFromJsonAsync<CourseStudentsDto>($"/api/courses/{course["id"]}/students", SpecJson.Options))!;

    private async Task<SubmissionDto> ReadAsync(Guid submission) =>
        (await _instructor.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{submission}", SpecJson.Options))!;

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains(field, JsonSerializer.Deserialize<ValidationProblemDetails>(body)!.Errors.Keys);
    }
}
