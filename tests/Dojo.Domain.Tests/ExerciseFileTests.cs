using System.IO.Compression;
using System.Text;
using Dojo.Domain.Exercises;

namespace Dojo.Domain.Tests;

public class ReportFileSnifferTests
{
    private static byte[] Zip(params string[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in entries)
                using (var writer = new StreamWriter(zip.CreateEntry(entry).Open())) writer.Write("<x/>");
        return stream.ToArray();
    }

    public static TheoryData<string, byte[], ReportFileKind> Accepted => new()
    {
        { "深層学習②_山田太郎.pdf", Encoding.ASCII.GetBytes("%PDF-1.7\n%âãÏÓ\n1 0 obj\n"), ReportFileKind.Pdf },
        { "report.docx", Zip("[Content_Types].xml", "word/document.xml"), ReportFileKind.Docx },
        { "slides.pptx", Zip("[Content_Types].xml", "ppt/presentation.xml"), ReportFileKind.Pptx },
        { "table.XLSX", Zip("[Content_Types].xml", "xl/workbook.xml"), ReportFileKind.Xlsx },
        { "notes.md", Encoding.UTF8.GetBytes("# CNN の応用\n画像分類: LeNet\n"), ReportFileKind.Markdown },
        { "notes.txt", Encoding.UTF8.GetBytes("RNN: 機械翻訳\r\n"), ReportFileKind.Text },
        { "work.ipynb", Encoding.UTF8.GetBytes("""{ "cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {} }"""), ReportFileKind.Notebook },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Accepted_kinds_are_told_by_content(string name, byte[] content, ReportFileKind kind)
    {
        Assert.Equal((kind, (string?)null), ReportFileSniffer.Detect(content, name));
    }

    public static TheoryData<string, byte[], string> Refused => new()
    {
        { "report.pdf", [], "empty" },
        { "report.pdf", [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0], "not one of the accepted kinds" },
        { "report.pdf", [(byte)'M', (byte)'Z', 0x90, 0, 3, 0, 0, 0], "not one of the accepted kinds" },
        { "report.docx", Zip("[Content_Types].xml", "ppt/presentation.xml"), "content is pptx" },
        { "report.docx", Zip("word/document.xml"), "not one of the accepted kinds" },
        { "report.docx", Zip("[Content_Types].xml", "word/document.xml")[..40], "not one of the accepted kinds" },
        { "report.txt", Encoding.ASCII.GetBytes("%PDF-1.4"), "content is pdf" },
        { "work.ipynb", Encoding.UTF8.GetBytes("""{ "cells": [] }"""), "not one of the accepted kinds" },
        { "report.exe", Encoding.UTF8.GetBytes("just text"), "name says .exe" },
        { "notes.txt", [0xff, 0xfe, 0x00, 0x41], "not one of the accepted kinds" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Files_whose_content_is_not_what_they_claim_are_refused(string name, byte[] content, string problem)
    {
        var (kind, reason) = ReportFileSniffer.Detect(content, name);
        Assert.Null(kind);
        Assert.Contains(problem, reason);
    }
}

public class SubmissionNameTests
{
    [Fact]
    public void Default_template_gives_the_courses_name()
    {
        Assert.Equal("深層学習②_山田太郎.pdf",
            SubmissionName.Render(SubmissionName.DefaultTemplate, "AI概論", "深層学習", 2, "山田太郎", "pdf"));
    }

    [Theory]
    [InlineData("../../etc/passwd", "深層学習①_.._.._etc_passwd.txt")]
    [InlineData("a\\b:c*d?e", "深層学習①_a_b_c_d_e.txt")]
    [InlineData("タブ\t改行\n", "深層学習①_タブ_改行_.txt")]
    public void Names_never_carry_path_separators_or_control_characters(string student, string expected)
    {
        Assert.Equal(expected, SubmissionName.Render(SubmissionName.DefaultTemplate, "c", "深層学習", 1, student, "txt"));
    }

    [Fact]
    public void Other_templates_and_numbers_render()
    {
        Assert.Equal("AI概論-深層学習-21-佐藤.md", SubmissionName.Render("{course}-{unit}-{exerciseNo}-{studentName}.{ext}", "AI概論", "深層学習", 21, "佐藤", "md"));
        Assert.Equal("⑳", SubmissionName.Circled(20));
        Assert.Equal("x{unknown}.pdf", SubmissionName.Render("x{unknown}.{ext}", "c", "u", 1, "s", "pdf"));
    }
}

public class SubmissionWindowTests
{
    private static readonly DateTime Due = new(2026, 12, 1, 15, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Cutoff = Due.AddDays(7);

    [Fact]
    public void On_time_until_due_then_late_by_how_much_until_cutoff_then_refused()
    {
        var window = new SubmissionWindow(Due, Cutoff);
        Assert.IsType<Timeliness.OnTime>(window.Judge(Due));
        Assert.Equal(new Timeliness.Late(TimeSpan.FromHours(26)), window.Judge(Due.AddHours(26)));
        Assert.IsType<Timeliness.Late>(window.Judge(Cutoff));
        Assert.Equal(new Timeliness.Refused(Cutoff), window.Judge(Cutoff.AddSeconds(1)));
    }

    [Fact]
    public void An_extension_lets_a_late_student_in_on_time()
    {
        var extended = new SubmissionWindow(Due, Cutoff, Extension: Cutoff.AddDays(3));
        Assert.IsType<Timeliness.OnTime>(extended.Judge(Cutoff.AddDays(2)));
        Assert.IsType<Timeliness.Refused>(extended.Judge(Cutoff.AddDays(4)));
    }

    [Fact]
    public void Without_dates_everything_is_on_time()
    {
        Assert.IsType<Timeliness.OnTime>(new SubmissionWindow(null, null).Judge(DateTime.UtcNow));
        Assert.IsType<Timeliness.Late>(new SubmissionWindow(Due, null).Judge(Due.AddYears(1)));
    }
}
