using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dojo.Domain.Exercises;

/// <summary>The kinds of report file an exercise may accept, named in JSON by their extensions: pdf, docx, pptx, xlsx, md, txt, ipynb.</summary>
public enum ReportFileKind
{
    Pdf,
    Docx,
    Pptx,
    Xlsx,
    [JsonStringEnumMemberName("md")] Markdown,
    [JsonStringEnumMemberName("txt")] Text,
    [JsonStringEnumMemberName("ipynb")] Notebook,
}

/// <summary>
/// Tells a report file's kind from its content, never from its name alone: PDF by its header; Word,
/// PowerPoint and Excel by the OOXML parts inside the zip; notebooks as JSON with cells and nbformat;
/// markdown and text as valid UTF-8 without binary control characters (the name's extension then says
/// which of the two). Anything else — an executable renamed to .pdf, a truncated zip — has no kind.
/// </summary>
public static class ReportFileSniffer
{
    public static string Extension(ReportFileKind kind) => kind switch
    {
        ReportFileKind.Pdf => "pdf",
        ReportFileKind.Docx => "docx",
        ReportFileKind.Pptx => "pptx",
        ReportFileKind.Xlsx => "xlsx",
        ReportFileKind.Markdown => "md",
        ReportFileKind.Text => "txt",
        ReportFileKind.Notebook => "ipynb",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The kind of <paramref name="content"/>, or null with the reason it has none.</summary>
    public static (ReportFileKind? Kind, string? Problem) Detect(byte[] content, string declaredName)
    {
        if (content.Length == 0) return (null, "the file is empty");
        string extension = Path.GetExtension(declaredName).TrimStart('.').ToLowerInvariant();
        var detected = Sniff(content, extension);
        if (detected is null) return (null, $"its content is not one of the accepted kinds (pdf, docx, pptx, xlsx, md, txt, ipynb)");
        if (extension != Extension(detected.Value))
            return (null, $"the name says .{extension} but the content is {Extension(detected.Value)}");
        return (detected, null);
    }

    private static ReportFileKind? Sniff(byte[] content, string extension)
    {
        if (StartsWith(content, "%PDF-"u8)) return ReportFileKind.Pdf;
        if (StartsWith(content, "PK\u0003\u0004"u8)) return Office(content);
        if (!IsText(content)) return null;
        if (extension == "ipynb") return IsNotebook(content) ? ReportFileKind.Notebook : null;
        return extension == "md" ? ReportFileKind.Markdown : ReportFileKind.Text;
    }

    private static ReportFileKind? Office(byte[] content)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(content), ZipArchiveMode.Read);
            var names = zip.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            if (!names.Contains("[Content_Types].xml")) return null;
            if (names.Contains("word/document.xml")) return ReportFileKind.Docx;
            if (names.Contains("ppt/presentation.xml")) return ReportFileKind.Pptx;
            if (names.Contains("xl/workbook.xml")) return ReportFileKind.Xlsx;
            return null;
        }
        catch (InvalidDataException)
        {
            return null; // not a readable zip (truncated, corrupt)
        }
    }

    private static bool IsText(byte[] content)
    {
        try
        {
            string text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
            return !text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r' or '\f'));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool IsNotebook(byte[] content)
    {
        try
        {
            using var json = JsonDocument.Parse(content);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("cells", out var cells) && cells.ValueKind == JsonValueKind.Array
                && json.RootElement.TryGetProperty("nbformat", out var format) && format.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool StartsWith(byte[] content, ReadOnlySpan<byte> prefix) => content.AsSpan().StartsWith(prefix);
}
