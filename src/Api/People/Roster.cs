using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Dojo.Domain.People;
using Dojo.Domain.Specs;

namespace Dojo.Api.People;

/// <summary>
/// A class roster as CSV, as a school's system or Excel writes it: UTF-8 (with or without BOM), a header
/// row naming the columns — <c>number,name</c> or <c>学籍番号,氏名</c> (also 番号, 名前) — then one student a
/// line. Problems are reported per line, and a roster with any problem adds nobody.
/// </summary>
public static class Roster
{
    public sealed record Entry(int Line, string Name, string? Number);

    private static readonly string[] NameColumns = ["name", "氏名", "名前"];
    private static readonly string[] NumberColumns = ["number", "学籍番号", "番号", "student number", "studentnumber"];

    public static async Task<(List<Entry> Entries, ValidationErrors Errors)> ReadAsync(Stream csv, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var entries = new List<Entry>();
        using var reader = new StreamReader(csv, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        using var parser = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { TrimOptions = TrimOptions.Trim, DetectDelimiter = true });
        try
        {
            if (!await parser.ReadAsync() || !parser.ReadHeader())
            {
                errors.Add("roster", "is empty; expected a header row (number,name or 学籍番号,氏名) and one student a line");
                return (entries, errors);
            }
            var header = parser.HeaderRecord!.Select(h => h.Trim().ToLowerInvariant()).ToList();
            int name = header.FindIndex(NameColumns.Contains);
            int number = header.FindIndex(NumberColumns.Contains);
            if (name < 0)
            {
                errors.Add("roster", $"the header ({string.Join(",", parser.HeaderRecord!)}) has no name column (name, 氏名 or 名前)");
                return (entries, errors);
            }
            var seen = new Dictionary<string, int>(StringComparer.Ordinal);
            while (await parser.ReadAsync())
            {
                ct.ThrowIfCancellationRequested();
                int line = parser.Parser.Row;
                string? nameText = parser.GetField(name);
                string? numberText = number >= 0 ? parser.GetField(number) : null;
                if (string.IsNullOrWhiteSpace(nameText) && string.IsNullOrWhiteSpace(numberText)) continue; // a blank line Excel left
                if (string.IsNullOrWhiteSpace(numberText)) numberText = null;
                foreach (var (field, message) in User.Check(nameText, numberText)) errors.Add($"roster[line {line}].{field}", message);
                if (numberText is not null && !seen.TryAdd(numberText, line))
                    errors.Add($"roster[line {line}].number", $"{numberText} is also on line {seen[numberText]}");
                entries.Add(new Entry(line, nameText?.Trim() ?? "", numberText?.Trim()));
            }
        }
        catch (Exception ex) when (ex is CsvHelperException or DecoderFallbackException)
        {
            errors.Add("roster", ex is DecoderFallbackException ? "is not UTF-8 text (save it from Excel as 'CSV UTF-8')" : $"is not readable CSV: {ex.Message.Split('\n')[0]}");
        }
        if (entries.Count == 0 && errors.Count == 0) errors.Add("roster", "has a header but no students");
        return (entries, errors);
    }

    /// <summary>The students just added with their tokens, for the instructor to hand out: number,name,token, UTF-8 with BOM (Excel reads it as UTF-8).</summary>
    public static byte[] TokensCsv(IEnumerable<(string? Number, string Name, string Token)> students) => Extensions.CsvFile.Utf8WithBom(csv =>
    {
        csv.WriteField("number");
        csv.WriteField("name");
        csv.WriteField("token");
        csv.NextRecord();
        foreach (var (number, name, token) in students)
        {
            csv.WriteField(number ?? "");
            csv.WriteField(name);
            csv.WriteField(token);
            csv.NextRecord();
        }
    });
}
