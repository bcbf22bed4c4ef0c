using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Dojo.Api.Exercises;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Exercises;
using Dojo.Domain.Specs;
using static Dojo.Api.Tests.Infrastructure.CourseHelpers;

namespace Dojo.Api.Tests;

/// <summary>
/// A class's first week, scripted through the real API as an instructor and five students live it: a course with two
/// exercises, a roster with tokens handed out as CSV, dates changed after publishing, work handed in on time, late, after
/// the cutoff with an extension, and again after a return — then the gradebook, which must list every student.
/// </summary>
public sealed class ClassWeekTests(DojoFactory factory) : IClassFixture<DojoFactory>
{
    private readonly HttpClient _instructor = factory.CreateClient();

    private const string XorUrl = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&learningRate=0.03&noise=0" +
        "&seed=0.12345&percTrainData=50&x=true&y=true&problem=classification&dataset=xor&networkShape=4,2";

    [Fact]
    public async Task A_class_week_ends_in_a_gradebook_with_every_student_every_grade_and_both_time_zones()
    {
        var now = DateTime.UtcNow;

        // The instructor makes the course (Japan's time by default) with a playground exercise and a report exercise.
        var course = await OkAsync(await _instructor.PostAsJsonAsync("/api/courses", new { name = "機械学習入門 2026" }), HttpStatusCode.Created);
        Assert.Equal("Asia/Tokyo", course["timeZone"]!.GetValue<string>());
        var unit = await OkAsync(await _instructor.PostAsJsonAsync($"/api/courses/{course["id"]}/units", new { name = "第1週" }), HttpStatusCode.Created);
        var playground = await OkAsync(await _instructor.PostAsJsonAsync($"/api/units/{unit["id"]}/exercises", new
        {
            number = 1, title = "XOR を分類する", kind = "playgroundUrl", due = now.AddHours(-1), cutoff = now.AddDays(1),
            playgroundRule = new { requirements = new[] { new { dataset = "xor", minTestAccuracy = 0.9 } }, epochs = 100, seeds = 1 },
        }), HttpStatusCode.Created);
        var report = await OkAsync(await _instructor.PostAsJsonAsync($"/api/units/{unit["id"]}/exercises", new
        {
            number = 2, title = "事例レポート", kind = "reportFile", allowedFileKinds = new[] { "pdf", "md" },
            due = now.AddHours(-1), cutoff = now.AddHours(1),
        }), HttpStatusCode.Created);
        string first = playground["id"]!.GetValue<string>(), second = report["id"]!.GetValue<string>();

        // The roster goes in with the course named; the tokens come back as a CSV to hand out.
        string roster = "学籍番号,氏名\nS001,青木 葵\nS002,馬場 智\nS003,千葉 千尋\nS004,土井 大地\nS005,遠藤 恵\n";
        var imported = await _instructor.PostAsync($"/api/users/roster?format=csv&courseId={course["id"]}", new StringContent(roster, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var tokens = ReadCsv(await imported.Content.ReadAsByteArrayAsync()).ToDictionary(r => r["number"], r => factory.CreateClient(r["token"]));
        var (aoki, baba, chiba, doi, endo) = (tokens["S001"], tokens["S002"], tokens["S003"], tokens["S004"], tokens["S005"]);

        // 馬場 hands in ① an hour late (before the cutoff): accepted, marked late, graded automatically.
        var babaFirst = await SubmitAsync(baba, first, new { playgroundUrls = new { xor = XorUrl } });
        Assert.InRange(babaFirst.LateBySeconds!.Value, 3500, 3700);
        // The instructor closes ① now: work already in stays, as it was judged.
        await OkAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{first}", new { cutoff = DateTime.UtcNow.AddSeconds(-1) }));
        // 千葉 comes after the cutoff: refused; with an extension, accepted on time.
        Assert.Equal(HttpStatusCode.Forbidden, (await chiba.PostAsJsonAsync($"/api/exercises/{first}/submissions", new { playgroundUrls = new { xor = XorUrl } })).StatusCode);
        var chibaId = (await chiba.GetFromJsonAsync<JsonObject>("/api/me"))!["id"]!.GetValue<Guid>();
        await OkAsync(await _instructor.PutAsJsonAsync($"/api/exercises/{first}/extensions/{chibaId}", new { until = DateTime.UtcNow.AddHours(1) }));
        var chibaFirst = await SubmitAsync(chiba, first, new { playgroundUrls = new { xor = XorUrl } });
        Assert.Null(chibaFirst.LateBySeconds);

        // ② was published with the wrong due date: 青木's work, in before the fix, is late until the instructor moves it.
        var aokiSecond = await SubmitFileAsync(aoki, second, Pdf, "report.pdf");
        Assert.NotNull(aokiSecond.LateBySeconds);
        await OkAsync(await _instructor.PatchAsJsonAsync($"/api/exercises/{second}", new { due = now.AddDays(7), cutoff = now.AddDays(8) }));
        var rejudged = (await aoki.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{aokiSecond.Id}", SpecJson.Options))!;
        Assert.Null(rejudged.LateBySeconds);

        // 土井 hands in ②, gets 70 back, hands in again and is graded 85 (not yet returned).
        var doiFirst = await SubmitFileAsync(doi, second, "# 初版\n"u8.ToArray(), "draft.md");
        await OkAsync(await _instructor.PostAsJsonAsync($"/api/submissions/{doiFirst.Id}/grade", new { score = 70, feedback = "図がありません" }));
        await OkAsync(await _instructor.PostAsync($"/api/submissions/{doiFirst.Id}/return", null));
        var doiSecond = await SubmitFileAsync(doi, second, Pdf, "final.pdf");
        await OkAsync(await _instructor.PostAsJsonAsync($"/api/submissions/{doiSecond.Id}/grade", new { score = 85, feedback = "改善されました" }));

        // The automatic grades come in; 馬場's ① is returned with its automatic score and no score of the instructor's.
        var babaGraded = await WaitGradedAsync(baba, babaFirst.Id);
        await WaitGradedAsync(chiba, chibaFirst.Id);
        Assert.Equal(true, babaGraded.AutoPassed);
        await OkAsync(await _instructor.PostAsync($"/api/submissions/{babaFirst.Id}/return", null));
        var babaReturned = (await baba.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{babaFirst.Id}", SpecJson.Options))!;
        Assert.Equal((SubmissionState.Returned, 100.0), (babaReturned.State, babaReturned.Score));

        // 遠藤 handed in nothing and leaves the class: deactivated, their token stops, they stay in the gradebook.
        var endoId = (await endo.GetFromJsonAsync<JsonObject>("/api/me"))!["id"]!.GetValue<Guid>();
        await OkAsync(await _instructor.PostAsync($"/api/users/{endoId}/deactivate", null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await endo.GetAsync("/api/me")).StatusCode);

        // A student's own view: their exercises, dates, attempts, and a grade only once returned.
        var doiView = (await doi.GetFromJsonAsync<List<MyExerciseDto>>("/api/me/exercises", SpecJson.Options))!;
        Assert.Equal([1, 2], doiView.Select(e => e.Number));
        var doiReport = doiView.Single(e => e.Number == 2);
        Assert.Equal((2, 70.0, "図がありません"), (doiReport.CountedAttempt, doiReport.Attempts[0].Score, doiReport.Attempts[0].Feedback));
        Assert.Null(doiReport.Attempts[1].Score); // graded, not returned
        var chibaView = (await chiba.GetFromJsonAsync<List<MyExerciseDto>>("/api/me/exercises", SpecJson.Options))!;
        Assert.True(chibaView.Single(e => e.Number == 1).MyDue > chibaView.Single(e => e.Number == 1).Due);

        // The gradebooks: every student of the course in each, in both time zones, every grade.
        var (firstBook, _) = await ExportAsync(first);
        Assert.Equal(["S001", "S002", "S003", "S004", "S005"], firstBook.Select(r => r[Number]));
        var babaRow = firstBook.Single(r => r[Number] == "S002");
        Assert.Equal(("1", "returned", "100", "100", "在籍 enrolled"), (babaRow["提出回数 / attempts"], babaRow[State], babaRow[Score], babaRow["自動採点の点数 / auto score"], babaRow["在籍 / enrolment"]));
        Assert.StartsWith("01:0", babaRow["遅れ / late by"]);
        Assert.StartsWith("xor: passed", babaRow["自動採点 / auto grade"]);
        Assert.Equal("", firstBook.Single(r => r[Number] == "S003")["遅れ / late by"]); // on time with the extension
        Assert.All(firstBook.Where(r => r[Number] is "S001" or "S004" or "S005"), r => Assert.Equal(("0", "", ""), (r["提出回数 / attempts"], r[State], r[Score])));
        Assert.Equal("停止 deactivated", firstBook.Single(r => r[Number] == "S005")["在籍 / enrolment"]);
        foreach (var row in firstBook.Where(r => r[SubmittedUtc] != ""))
            Assert.Equal(Parse(row[SubmittedUtc]).AddHours(9), Parse(row[SubmittedJapan]));

        var (secondBook, attempts) = await ExportAsync(second);
        Assert.Equal(5, secondBook.Count);
        var doiRow = secondBook.Single(r => r[Number] == "S004");
        Assert.Equal(("2", "2", "graded", "85", "改善されました", "#1: 70 (returned)", "第1週②_土井 大地.pdf"),
            (doiRow["提出回数 / attempts"], doiRow["採点対象の回 / counted attempt"], doiRow[State], doiRow[Score], doiRow["コメント / feedback"],
             doiRow["以前の採点 / earlier grades"], doiRow["ファイル / file"]));
        Assert.Equal(("1", ""), (secondBook.Single(r => r[Number] == "S001")["採点対象の回 / counted attempt"], secondBook.Single(r => r[Number] == "S001")["遅れ / late by"]));
        var doiAttempts = attempts.Where(r => r[Number] == "S004").ToList();
        Assert.Equal([("1", "", "70", "図がありません", "draft.md"), ("2", "○ counts", "85", "改善されました", "final.pdf")],
            doiAttempts.Select(r => (r["回 / attempt"], r["採点対象 / counts"], r[Score], r["コメント / feedback"], r["提出ファイル名 / file as handed in"])));
        Assert.NotEqual("", doiAttempts[0]["返却日時 (Asia/Tokyo) / returned at (Asia/Tokyo)"]);
    }

    private const string Number = "学籍番号 / student number", State = "状態 / state", Score = "点数 / score",
        SubmittedUtc = "提出日時 (UTC) / submitted at (UTC)", SubmittedJapan = "提出日時 (Asia/Tokyo) / submitted at (Asia/Tokyo)";

    private static DateTime Parse(string time) => DateTime.ParseExact(time, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private async Task<(List<Dictionary<string, string>> Students, List<Dictionary<string, string>> Attempts)> ExportAsync(string exercise)
    {
        var response = await _instructor.GetAsync($"/api/exercises/{exercise}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        return (ReadCsv(Entry(zip, SubmissionExport.CsvName)), ReadCsv(Entry(zip, SubmissionExport.AttemptsCsvName)));
    }

    private static byte[] Entry(ZipArchive zip, string name)
    {
        using var entry = zip.GetEntry(name)!.Open();
        var bytes = new MemoryStream();
        entry.CopyTo(bytes);
        return bytes.ToArray();
    }

    /// <summary>A CSV as Excel would read it: UTF-8 with its BOM, a header row, then records keyed by header.</summary>
    private static List<Dictionary<string, string>> ReadCsv(byte[] bytes)
    {
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        using var csv = new CsvReader(new StreamReader(new MemoryStream(bytes), Encoding.UTF8), CultureInfo.InvariantCulture);
        return csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().Select(r => r.ToDictionary(c => c.Key, c => (string)c.Value)).ToList();
    }

    private static async Task<SubmissionDto> SubmitAsync(HttpClient student, string exercise, object body) =>
        (await OkAsync(await student.PostAsJsonAsync($"/api/exercises/{exercise}/submissions", body), HttpStatusCode.Created)).Deserialize<SubmissionDto>(SpecJson.Options)!;

    private static async Task<SubmissionDto> SubmitFileAsync(HttpClient student, string exercise, byte[] content, string name) =>
        (await OkAsync(await student.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(content, name)), HttpStatusCode.Created))
            .Deserialize<SubmissionDto>(SpecJson.Options)!;

    private static async Task<SubmissionDto> WaitGradedAsync(HttpClient student, Guid submission)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var read = (await student.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{submission}", SpecJson.Options))!;
            if (read.State != SubmissionState.Grading) return read;
            Assert.True(DateTime.UtcNow < deadline, "the automatic grading did not end in 120 s");
            await Task.Delay(200);
        }
    }
}
