using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using CsvHelper;
using Dojo.Api.Exercises;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Exercises;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Dojo.Api.Tests.Infrastructure.CourseHelpers;

namespace Dojo.Api.Tests;

/// <summary>Report submissions through the real API: attempts, ownership, upload checks, downloads, grading and export.</summary>
public abstract class SubmissionSuite(DojoFactory factory)
{
    private readonly HttpClient _instructor = factory.CreateClient();

    private static async Task<SubmissionDto> ReadAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.Created)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize<SubmissionDto>(body, SpecJson.Options)!;
    }

    [Fact]
    public async Task Every_attempt_is_kept_and_numbered_the_newest_counts_and_downloads_carry_the_templated_name()
    {
        var exercise = await SeededExerciseAsync(_instructor, 2);
        var (yamada, _) = await factory.CreateStudentAsync("山田太郎", "R901");

        var first = await ReadAsync(await yamada.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "report.pdf")));
        byte[] second = "# 事例研究\n\nCNN: 画像分類 (ResNet)\n"u8.ToArray();
        var latest = await ReadAsync(await yamada.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(second, "レポート.md")));

        Assert.Equal((1, 2), (first.Attempt, latest.Attempt));
        Assert.Equal(SubmissionState.Submitted, latest.State);
        Assert.Equal("深層学習②_山田太郎.md", latest.File!.Name);
        var all = (await yamada.GetFromJsonAsync<List<SubmissionDto>>($"/api/exercises/{exercise}/submissions", SpecJson.Options))!;
        Assert.Equal([2, 1], all.Select(s => s.Attempt));
        Assert.Equal([true, false], all.Select(s => s.Latest));
        var counting = (await yamada.GetFromJsonAsync<List<SubmissionDto>>($"/api/exercises/{exercise}/submissions?latestOnly=true", SpecJson.Options))!;
        Assert.Equal(latest.Id, Assert.Single(counting).Id);

        var download = await yamada.GetAsync($"/api/submissions/{first.Id}/file");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(Pdf, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/pdf", download.Content.Headers.ContentType!.MediaType);
        var disposition = download.Content.Headers.ContentDisposition!;
        Assert.Equal("深層学習②_山田太郎.pdf", disposition.FileNameStar);
        Assert.Equal("submission-2-R901-1.pdf", disposition.FileName?.Trim('"')); // for tools that read only the ASCII name
        Assert.Contains("filename*=UTF-8''%E6%B7%B1%E5%B1%A4%E5%AD%A6%E7%BF%92%E2%91%A1_%E5%B1%B1%E7%94%B0%E5%A4%AA%E9%83%8E.pdf",
            download.Content.Headers.GetValues("Content-Disposition").Single());
    }

    [Fact]
    public async Task A_student_cannot_see_another_students_submission_or_file()
    {
        var exercise = await SeededExerciseAsync(_instructor, 2);
        var (owner, _) = await factory.CreateStudentAsync("提出 者");
        var (other, _) = await factory.CreateStudentAsync("他人");
        var submitted = await ReadAsync(await owner.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "a.pdf")));

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/submissions/{submitted.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/submissions/{submitted.Id}/file")).StatusCode);
        var theirs = (await other.GetFromJsonAsync<List<SubmissionDto>>($"/api/exercises/{exercise}/submissions", SpecJson.Options))!;
        Assert.DoesNotContain(theirs, s => s.Id == submitted.Id);
        Assert.Equal(HttpStatusCode.OK, (await _instructor.GetAsync($"/api/submissions/{submitted.Id}/file")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _instructor.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "a.pdf"))).StatusCode);
    }

    public static TheoryData<string, byte[], string, HttpStatusCode, string> Attacks => new()
    {
        { "a path as the name", "root:x:0:0:root:/root:/bin/bash\n"u8.ToArray(), "../../etc/passwd", HttpStatusCode.BadRequest, "not a plain file name" },
        { "an executable named .pdf", [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0], "report.pdf", HttpStatusCode.BadRequest, "not one of the accepted kinds" },
        { "a file over the limit", [.. "%PDF-1.4\n"u8, .. new byte[3000]], "big.pdf", HttpStatusCode.RequestEntityTooLarge, "over this exercise's limit of 2048 bytes" },
        { "an empty file", [], "empty.pdf", HttpStatusCode.BadRequest, "empty" },
        { "a kind the exercise does not take", "just text"u8.ToArray(), "notes.txt", HttpStatusCode.BadRequest, "accepts pdf, md, not txt" },
    };

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Upload_attacks_are_refused_clearly_and_store_nothing(string what, byte[] content, string name, HttpStatusCode status, string message)
    {
        var exercise = await NewReportExerciseAsync(_instructor, 3, new { maxFileBytes = 2048 });
        var (student, _) = await factory.CreateStudentAsync($"攻撃 {what}");
        var artifacts = factory.Services.GetRequiredService<Dojo.Storage.Artifacts.IArtifactStore>();
        async Task<int> StoredFilesAsync() => (await artifacts.ListAsync("files/", CancellationToken.None)).Count;
        int filesBefore = await StoredFilesAsync();

        var response = await student.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(content, name));

        Assert.Equal(status, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        string said = string.Join(" ", problem.Errors.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}")).Append(problem.Detail ?? ""));
        Assert.Contains(message, said);
        Assert.Contains("file", said);
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<DojoDb>>().CreateDbContextAsync();
        Assert.False(await db.Submissions.AnyAsync(s => s.ExerciseId == exercise));
        Assert.Equal(filesBefore, await StoredFilesAsync()); // nor a file in the artifact store (nor one left half-received)
    }

    [Fact]
    public async Task Score_and_feedback_reach_the_student_only_once_returned()
    {
        var exercise = await SeededExerciseAsync(_instructor, 2);
        var (student, _) = await factory.CreateStudentAsync("採点 待ち");
        var submitted = await ReadAsync(await student.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "r.pdf")));

        var early = await _instructor.PostAsync($"/api/submissions/{submitted.Id}/return", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        var invalid = await _instructor.PostAsJsonAsync($"/api/submissions/{submitted.Id}/grade", new { score = 120 });
        Assert.Contains("score", (await invalid.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors.Keys);
        Assert.Equal(HttpStatusCode.Forbidden, (await student.PostAsJsonAsync($"/api/submissions/{submitted.Id}/grade", new { score = 100 })).StatusCode);

        var graded = await ReadAsync(await _instructor.PostAsJsonAsync($"/api/submissions/{submitted.Id}/grade", new { score = 85, feedback = "よくできました" }), HttpStatusCode.OK);
        Assert.Equal((SubmissionState.Graded, 85.0), (graded.State, graded.Score));
        var hidden = (await student.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{submitted.Id}", SpecJson.Options))!;
        Assert.Equal((SubmissionState.Graded, null, null), (hidden.State, hidden.Score, hidden.Feedback));

        await ReadAsync(await _instructor.PostAsync($"/api/submissions/{submitted.Id}/return", null), HttpStatusCode.OK);
        var returned = (await student.GetFromJsonAsync<SubmissionDto>($"/api/submissions/{submitted.Id}", SpecJson.Options))!;
        Assert.Equal((SubmissionState.Returned, 85.0, "よくできました"), (returned.State, returned.Score, returned.Feedback));
    }

    [Fact]
    public async Task The_export_zip_opens_with_templated_japanese_names_and_a_csv_excel_reads()
    {
        var exercise = await NewReportExerciseAsync(_instructor, 2);
        var (suzuki, _) = await factory.CreateStudentAsync("鈴木一郎", "S001");
        var (tanaka1, _) = await factory.CreateStudentAsync("田中花子", "S002");
        var (tanaka2, _) = await factory.CreateStudentAsync("田中花子", "S003");
        await ReadAsync(await suzuki.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "old.pdf")));
        var newest = await ReadAsync(await suzuki.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart("# 最新版\n"u8.ToArray(), "new.md")));
        await ReadAsync(await tanaka1.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "t.pdf")));
        await ReadAsync(await tanaka2.PostAsync($"/api/exercises/{exercise}/submissions/file", FilePart(Pdf, "t.pdf")));
        await _instructor.PostAsJsonAsync($"/api/submissions/{newest.Id}/grade", new { score = 90, feedback = "詳しい, 丁寧\n次は図も" });

        var response = await _instructor.GetAsync($"/api/exercises/{exercise}/export");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("単元②_submissions.zip", response.Content.Headers.ContentDisposition!.FileNameStar);

        // Read the names with a non-UTF-8 fallback: they come out intact only if the zip flags them as UTF-8,
        // which is what other unzip tools go by.
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read, false, Encoding.Latin1);
        Assert.Equal(["attempts.csv", "submissions.csv", "単元②_田中花子.pdf", "単元②_田中花子_S003.pdf", "単元②_鈴木一郎.md"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        await using (var md = zip.GetEntry("単元②_鈴木一郎.md")!.Open())
            Assert.Equal("# 最新版\n", await new StreamReader(md).ReadToEndAsync());

        await using var csvStream = zip.GetEntry("submissions.csv")!.Open();
        var bytes = new MemoryStream();
        await csvStream.CopyToAsync(bytes);
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes.ToArray()[..3]);
        bytes.Position = 0;
        using var csv = new CsvReader(new StreamReader(bytes, Encoding.UTF8), CultureInfo.InvariantCulture);
        var rows = csv.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
        // Headers an instructor reads, in Japanese and English; times in the course's zone (Japan by default) and in UTC.
        Assert.Equal(["学籍番号 / student number", "氏名 / student", "在籍 / enrolment", "提出回数 / attempts", "採点対象の回 / counted attempt",
            "提出日時 (Asia/Tokyo) / submitted at (Asia/Tokyo)", "提出日時 (UTC) / submitted at (UTC)", "遅れ / late by", "状態 / state",
            "自動採点 / auto grade", "自動採点の点数 / auto score", "点数 / score", "コメント / feedback",
            "返却日時 (Asia/Tokyo) / returned at (Asia/Tokyo)", "以前の採点 / earlier grades", "ファイル / file"], rows[0].Keys);
        Assert.Equal(["S001", "S002", "S003"], rows.Select(r => (string)r["学籍番号 / student number"]));
        var suzukiRow = rows[0];
        Assert.Equal(("鈴木一郎", "2", "90", "詳しい, 丁寧\n次は図も", "単元②_鈴木一郎.md"),
            ((string)suzukiRow["氏名 / student"], (string)suzukiRow["採点対象の回 / counted attempt"], (string)suzukiRow["点数 / score"],
             (string)suzukiRow["コメント / feedback"], (string)suzukiRow["ファイル / file"]));
        var utc = DateTime.ParseExact((string)suzukiRow["提出日時 (UTC) / submitted at (UTC)"], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Equal(utc.AddHours(9), DateTime.ParseExact((string)suzukiRow["提出日時 (Asia/Tokyo) / submitted at (Asia/Tokyo)"], "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        Assert.Equal("", (string)suzukiRow["遅れ / late by"]);
    }
}

/// <summary>The Submission tests on SQLite with artifacts in the data directory (the defaults).</summary>
public sealed class SubmissionTests(DojoFactory factory) : SubmissionSuite(factory), IClassFixture<DojoFactory>;

/// <summary>The same tests on PostgreSQL with artifacts in the database: the several-machines configuration.</summary>
public sealed class SubmissionPostgresTests(PostgresFactory factory) : SubmissionSuite(factory), IClassFixture<PostgresFactory>;
