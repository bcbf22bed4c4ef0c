using System.Globalization;
using Dojo.Domain.Jobs;

namespace Dojo.Api.Jobs;

/// <summary>
/// A job's points as a spreadsheet reads them: a row per epoch, a column per metric in the order the job first
/// recorded them, every digit of each value. Points that carry text (a language model's samples) are left out.
/// UTF-8 with a byte-order mark, so that a spreadsheet opened by double-click reads it as UTF-8.
/// </summary>
public static class MetricsTable
{
    public static byte[] Csv(IReadOnlyList<MetricPoint> points)
    {
        var numeric = points.Where(p => p.Text is null).ToList();
        var names = numeric.Select(p => p.Name).Distinct().ToList();
        return Extensions.CsvFile.Utf8WithBom(csv =>
        {
            csv.WriteField("epoch");
            foreach (var name in names) csv.WriteField(name);
            csv.NextRecord();
            foreach (var epoch in numeric.GroupBy(p => p.Epoch).OrderBy(g => g.Key))
            {
                var values = epoch.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Last().Value);
                csv.WriteField(epoch.Key);
                foreach (var name in names)
                    csv.WriteField(values.TryGetValue(name, out var value) ? value.ToString("R", CultureInfo.InvariantCulture) : "");
                csv.NextRecord();
            }
        });
    }

    /// <summary>A download name from a job's name: letters, digits, '-' and '_' kept, anything else '_'.</summary>
    public static string FileName(string? jobName, Guid id) =>
        (string.IsNullOrWhiteSpace(jobName) ? $"job-{id:N}" : new string(jobName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()))
        + "-metrics.csv";
}
