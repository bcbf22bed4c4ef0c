using System.Globalization;
using System.IO.Compression;
using System.Text;
using Dojo.Api.Extensions;
using Dojo.Domain.Exercises;
using Dojo.Domain.People;
using Dojo.Domain.Specs;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Exercises;

/// <summary>
/// An exercise's gradebook as one zip for the instructor: each student's counted file under the exercise's naming template
/// (深層学習②_山田太郎.pdf; UTF-8 names, flagged so unzip tools keep them), <c>submissions.csv</c> with one row per student
/// of the course — blank where nothing came — and <c>attempts.csv</c> with every attempt and its grade. Both CSVs are
/// UTF-8 with BOM (Excel opens them with the Japanese intact), headed in Japanese and English, with times in the course's
/// time zone and in UTC. The newest attempt counts; earlier grades are kept and listed beside it.
/// </summary>
public sealed class SubmissionExport(ContentStore files)
{
    public const string CsvName = "submissions.csv", AttemptsCsvName = "attempts.csv";

    /// <summary>The zip in a temporary file that is deleted when the returned stream is closed, and its download name.</summary>
    public async Task<(Stream Zip, string Name)> WriteAsync(DojoDb db, ExerciseContext exercise, CancellationToken ct)
    {
        var book = await CourseRoster.LoadAsync(db, exercise.Course.Id, [exercise.Exercise.Id], ct);
        var zone = CourseTimeZone.Find(exercise.Course.TimeZone) ?? TimeZoneInfo.Utc;
        string zoneName = zone == TimeZoneInfo.Utc ? "UTC" : exercise.Course.TimeZone;

        var zipFile = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            using (var zip = new ZipArchive(zipFile, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
            {
                var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { CsvName, AttemptsCsvName };
                var fileNames = new Dictionary<Guid, string>();
                foreach (var student in book.Students)
                {
                    if (book.Counted(student.Id, exercise.Exercise.Id) is not { FileSha256: { } sha256, FileKind: { } kind } counted) continue;
                    if (await files.OpenReadAsync(sha256, ct) is not { } content) continue;
                    string entryName = Unique(exercise.FileName(student.Name, kind), student.Number, used);
                    await using (content)
                    await using (var entry = zip.CreateEntry(entryName, CompressionLevel.Optimal).Open())
                        await content.CopyToAsync(entry, ct);
                    fileNames[counted.Id] = entryName;
                }
                await AddAsync(zip, CsvName, StudentsCsv(book, exercise.Exercise.Id, zone, zoneName, fileNames), ct);
                await AddAsync(zip, AttemptsCsvName, AttemptsCsv(book, exercise.Exercise.Id, zone, zoneName), ct);
            }
            zipFile.Position = 0;
            string name = $"{exercise.UnitName}{SubmissionName.Circled(exercise.Definition.Number)}_submissions.zip";
            return (zipFile, name);
        }
        catch
        {
            await zipFile.DisposeAsync();
            throw;
        }
    }

    /// <summary>One row per student of the course (and anyone else who handed in): the counted attempt, blank where nothing came.</summary>
    private static byte[] StudentsCsv(CourseRoster book, Guid exerciseId, TimeZoneInfo zone, string zoneName, IReadOnlyDictionary<Guid, string> fileNames) =>
        CsvFile.Utf8WithBom(csv =>
        {
            Header(csv, "学籍番号 / student number", "氏名 / student", "在籍 / enrolment", "提出回数 / attempts", "採点対象の回 / counted attempt",
                $"提出日時 ({zoneName}) / submitted at ({zoneName})", "提出日時 (UTC) / submitted at (UTC)", "遅れ / late by", "状態 / state",
                "自動採点 / auto grade", "自動採点の点数 / auto score", "点数 / score", "コメント / feedback",
                $"返却日時 ({zoneName}) / returned at ({zoneName})", "以前の採点 / earlier grades", "ファイル / file");
            foreach (var student in book.Students)
            {
                var attempts = book.Attempts(student.Id, exerciseId);
                var counted = attempts.Count > 0 ? attempts[^1] : null;
                csv.WriteField(student.Number ?? "");
                csv.WriteField(student.Name);
                csv.WriteField(book.Enrolment(student));
                csv.WriteField(attempts.Count);
                csv.WriteField(counted?.Attempt.ToString(CultureInfo.InvariantCulture) ?? "");
                csv.WriteField(counted is null ? "" : CourseTimeZone.Format(counted.SubmittedAt, zone));
                csv.WriteField(counted is null ? "" : CourseTimeZone.FormatUtc(counted.SubmittedAt));
                csv.WriteField(counted?.LateBy is { } late ? FormatLate(late) : "");
                csv.WriteField(counted is null ? "" : SpecJson.Name(counted.State));
                csv.WriteField(AutoGrade(counted));
                csv.WriteField(Number(counted?.AutoScore));
                csv.WriteField(Number(counted?.Score));
                csv.WriteField(counted?.Feedback ?? "");
                csv.WriteField(counted?.ReturnedAt is { } returned ? CourseTimeZone.Format(returned, zone) : "");
                csv.WriteField(string.Join("; ", attempts.SkipLast(1).Where(a => a.Score is not null)
                    .Select(a => $"#{a.Attempt}: {Number(a.Score)} ({SpecJson.Name(a.State)})")));
                csv.WriteField(counted is not null && fileNames.TryGetValue(counted.Id, out var file) ? file : "");
                csv.NextRecord();
            }
        });

    /// <summary>Every attempt of every student, oldest first per student, each with its own grade and whether it is the one that counts.</summary>
    private static byte[] AttemptsCsv(CourseRoster book, Guid exerciseId, TimeZoneInfo zone, string zoneName) => CsvFile.Utf8WithBom(csv =>
    {
        Header(csv, "学籍番号 / student number", "氏名 / student", "回 / attempt", "採点対象 / counts",
            $"提出日時 ({zoneName}) / submitted at ({zoneName})", "提出日時 (UTC) / submitted at (UTC)", "遅れ / late by", "状態 / state",
            "自動採点 / auto grade", "自動採点の点数 / auto score", "点数 / score", "コメント / feedback",
            $"採点日時 ({zoneName}) / graded at ({zoneName})", $"返却日時 ({zoneName}) / returned at ({zoneName})", "提出ファイル名 / file as handed in");
        foreach (var student in book.Students)
        {
            var attempts = book.Attempts(student.Id, exerciseId);
            foreach (var attempt in attempts)
            {
                csv.WriteField(student.Number ?? "");
                csv.WriteField(student.Name);
                csv.WriteField(attempt.Attempt);
                csv.WriteField(attempt == attempts[^1] ? "○ counts" : "");
                csv.WriteField(CourseTimeZone.Format(attempt.SubmittedAt, zone));
                csv.WriteField(CourseTimeZone.FormatUtc(attempt.SubmittedAt));
                csv.WriteField(attempt.LateBy is { } late ? FormatLate(late) : "");
                csv.WriteField(SpecJson.Name(attempt.State));
                csv.WriteField(AutoGrade(attempt));
                csv.WriteField(Number(attempt.AutoScore));
                csv.WriteField(Number(attempt.Score));
                csv.WriteField(attempt.Feedback ?? "");
                csv.WriteField(attempt.GradedAt is { } graded ? CourseTimeZone.Format(graded, zone) : "");
                csv.WriteField(attempt.ReturnedAt is { } returned ? CourseTimeZone.Format(returned, zone) : "");
                csv.WriteField(attempt.OriginalFileName ?? "");
                csv.NextRecord();
            }
        }
    });

    private static void Header(CsvHelper.CsvWriter csv, params string[] names)
    {
        foreach (var name in names) csv.WriteField(name);
        csv.NextRecord();
    }

    private static async Task AddAsync(ZipArchive zip, string name, byte[] content, CancellationToken ct)
    {
        await using var entry = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        await entry.WriteAsync(content, ct);
    }

    private static string AutoGrade(Submission? submission) =>
        submission?.AutoSummary ?? (submission?.State == SubmissionState.Grading ? "grading" : "");

    private static string Number(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary>"1d 02:03:04" (days only when a day or more).</summary>
    public static string FormatLate(TimeSpan late) =>
        late.Days > 0 ? late.ToString(@"d\d\ hh\:mm\:ss", CultureInfo.InvariantCulture) : late.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>Two students with one name: the second file gets the student number (or a counter) before the extension.</summary>
    private static string Unique(string name, string? number, HashSet<string> used)
    {
        if (used.Add(name)) return name;
        string stem = Path.GetFileNameWithoutExtension(name), extension = Path.GetExtension(name);
        string candidate = number is not null ? $"{stem}_{number}{extension}" : name;
        for (int i = 2; !used.Add(candidate); i++) candidate = $"{stem}_{i}{extension}";
        return candidate;
    }
}
