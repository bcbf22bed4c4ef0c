using System.Globalization;
using System.IO.Compression;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration.Attributes;
using Dojo.Domain.Exercises;
using Dojo.Storage;
using Microsoft.EntityFrameworkCore;

namespace Dojo.Api.Exercises;

/// <summary>
/// An exercise's latest submissions as one zip for the instructor: each student's file under the exercise's
/// naming template (深層学習②_山田太郎.pdf; UTF-8 names, flagged so unzip tools keep them), and a CSV in
/// UTF-8 with BOM (Excel opens it with the Japanese intact) with one row per student.
/// </summary>
public sealed class SubmissionExport(ContentStore files)
{
    public const string CsvName = "submissions.csv";

    public sealed class Row
    {
        [Name("student number")] public string? Number { get; init; }
        [Name("student")] public string Student { get; init; } = "";
        [Name("attempt")] public int Attempt { get; init; }
        [Name("submitted at (UTC)")] public string SubmittedAt { get; init; } = "";
        [Name("late by")] public string LateBy { get; init; } = "";
        [Name("state")] public string State { get; init; } = "";
        [Name("auto-grade")] public string AutoGrade { get; init; } = "";
        [Name("score")] public double? Score { get; init; }
        [Name("feedback")] public string? Feedback { get; init; }
        [Name("file")] public string? File { get; init; }
    }

    /// <summary>The zip in a temporary file that is deleted when the returned stream is closed, and its download name.</summary>
    public async Task<(Stream Zip, string Name)> WriteAsync(DojoDb db, ExerciseContext exercise, CancellationToken ct)
    {
        var latest = await db.Submissions.AsNoTracking()
            .Where(s => s.ExerciseId == exercise.Exercise.Id
                && s.Attempt == db.Submissions.Where(o => o.ExerciseId == s.ExerciseId && o.StudentId == s.StudentId).Max(o => o.Attempt))
            .ToListAsync(ct);
        var studentIds = latest.Select(s => s.StudentId).ToList();
        var students = await db.Users.AsNoTracking().Where(u => studentIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var ordered = latest.OrderBy(s => students[s.StudentId].Number, StringComparer.Ordinal).ThenBy(s => students[s.StudentId].Name, StringComparer.Ordinal).ToList();

        var zipFile = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
        try
        {
            var rows = new List<Row>();
            using (var zip = new ZipArchive(zipFile, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
            {
                var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { CsvName };
                foreach (var submission in ordered)
                {
                    var student = students[submission.StudentId];
                    string? entryName = null;
                    if (submission.FileSha256 is { } sha256 && submission.FileKind is { } kind && files.OpenRead(sha256) is { } content)
                    {
                        entryName = Unique(exercise.FileName(student.Name, kind), student.Number, used);
                        await using (content)
                        await using (var entry = zip.CreateEntry(entryName, CompressionLevel.Optimal).Open())
                            await content.CopyToAsync(entry, ct);
                    }
                    rows.Add(new Row
                    {
                        Number = student.Number,
                        Student = student.Name,
                        Attempt = submission.Attempt,
                        SubmittedAt = submission.SubmittedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        LateBy = submission.LateBy is { } late ? FormatLate(late) : "",
                        State = Domain.Specs.SpecJson.Name(submission.State),
                        AutoGrade = submission.AutoSummary ?? (submission.State == SubmissionState.Grading ? "grading" : ""),
                        Score = submission.Score,
                        Feedback = submission.Feedback,
                        File = entryName,
                    });
                }
                await using var csvEntry = zip.CreateEntry(CsvName, CompressionLevel.Optimal).Open();
                await using var writer = new StreamWriter(csvEntry, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
                await using var csv = new CsvWriter(writer, CultureInfo.InvariantCulture);
                await csv.WriteRecordsAsync(rows, ct);
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
