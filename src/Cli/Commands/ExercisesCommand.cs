using System.ComponentModel;
using System.Net.Http.Headers;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

public sealed class ExercisesCommand : DojoCommand<OutputSettings>
{
    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, OutputSettings settings, CancellationToken ct)
    {
        var me = await api.GetAsync("/api/me", ct);
        bool instructor = Text(me, "role") == "instructor";
        var answer = await api.GetAsync(instructor ? "/api/courses" : "/api/me/exercises", ct);
        if (settings.Json)
        {
            PrintJson(answer);
            return ExitCodes.Ok;
        }
        if (instructor)
        {
            var table = NewTable("id", "course", "unit", "no.", "title", "kind", "due (UTC)");
            foreach (var course in answer.EnumerateArray())
                foreach (var unit in course.GetProperty("units").EnumerateArray())
                    foreach (var exercise in unit.GetProperty("exercises").EnumerateArray())
                    {
                        var definition = exercise.GetProperty("definition");
                        table.AddRow(Markup.Escape(Text(exercise, "id")), Markup.Escape(Text(course, "name")), Markup.Escape(Text(unit, "name")),
                            Text(definition, "number"), Markup.Escape(Text(definition, "title")), Text(definition, "kind"), Text(definition, "due"));
                    }
            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        }
        var mine = NewTable("id", "no.", "title", "due (yours, UTC)", "attempts", "state", "score", "feedback");
        foreach (var exercise in answer.EnumerateArray())
        {
            var attempts = exercise.GetProperty("attempts");
            var counted = attempts.GetArrayLength() > 0 ? attempts[attempts.GetArrayLength() - 1] : (JsonElement?)null;
            mine.AddRow(Markup.Escape(Text(exercise, "exerciseId")), Text(exercise, "number"), Markup.Escape(Text(exercise, "title")), Text(exercise, "myDue"),
                attempts.GetArrayLength().ToString(), counted is { } c ? Text(c, "state") : "not handed in",
                counted is { } s ? Text(s, "score") : "", Markup.Escape(counted is { } f ? Text(f, "feedback") : ""));
        }
        AnsiConsole.Write(mine);
        return ExitCodes.Ok;
    }
}

public sealed class HandInCommand : DojoCommand<HandInCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<exercise-id>")]
        public string ExerciseId { get; init; } = "";

        [CommandOption("--url <DATASET=URL>")]
        [Description("A playground URL for a data set (repeat for each): --url xor=https://… --url spiral=https://…")]
        public string[] Urls { get; init; } = [];

        [CommandOption("--file <PATH>")]
        [Description("A report file (pdf, docx, pptx, xlsx, md, txt, ipynb)")]
        public string? File { get; init; }

        [CommandOption("--job <JOB-ID>")]
        [Description("A finished job of yours")]
        public string? Job { get; init; }

        [CommandOption("--wait")]
        [Description("For playground URLs: wait for the automatic grade, showing how many of its training runs have ended")]
        public bool Wait { get; init; }

        public override ValidationResult Validate()
        {
            int given = (Urls.Length > 0 ? 1 : 0) + (File is null ? 0 : 1) + (Job is null ? 0 : 1);
            if (given != 1) return ValidationResult.Error("hand in one kind of work: --url (one per data set), --file or --job");
            return Urls.All(u => u.Contains('=')) ? ValidationResult.Success() : ValidationResult.Error("--url takes dataset=URL");
        }
    }

    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct)
    {
        Guid exercise = ParseId(settings.ExerciseId, "exercise");
        JsonElement submission;
        if (settings.File is { } path)
        {
            if (!System.IO.File.Exists(path)) throw new CliException(ExitCodes.Usage, $"no file {path}");
            using var form = new MultipartFormDataContent();
            var content = new StreamContent(System.IO.File.OpenRead(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "file", Path.GetFileName(path));
            submission = await api.PostAsync($"/api/exercises/{exercise}/submissions/file", form, ct);
        }
        else if (settings.Job is { } job)
            submission = await api.PostAsync($"/api/exercises/{exercise}/submissions", new { jobId = ParseId(job, "job") }, ct);
        else
            submission = await api.PostAsync($"/api/exercises/{exercise}/submissions",
                new { playgroundUrls = settings.Urls.Select(u => u.Split('=', 2)).ToDictionary(p => p[0], p => p[1]) }, ct);
        if (!settings.Json)
        {
            double? late = submission.TryGetProperty("lateBySeconds", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetDouble() : null;
            AnsiConsole.MarkupLineInterpolated($"Handed in attempt {Text(submission, "attempt")} ({Text(submission, "state")}){(late is { } s ? $", late by {TimeSpan.FromSeconds(Math.Round(s))}" : ", on time")}; id {Text(submission, "id")}");
        }
        if (settings.Wait) submission = await WaitForGradeAsync(api, submission, settings.Json, ct);
        if (settings.Json) PrintJson(submission);
        return ExitCodes.Ok;
    }

    /// <summary>Polls the submission until its automatic grading has ended, printing each change in how many runs have ended.</summary>
    private static async Task<JsonElement> WaitForGradeAsync(DojoApi api, JsonElement submission, bool json, CancellationToken ct)
    {
        int shown = -1;
        while (Text(submission, "state") == "grading")
        {
            var runs = submission.GetProperty("autoGrading").GetProperty("datasets").EnumerateArray()
                .SelectMany(d => d.GetProperty("jobs").EnumerateArray()).Select(j => Text(j, "state")).ToList();
            int ended = runs.Count(s => s is "succeeded" or "failed" or "cancelled" or "diverged");
            if (ended != shown && !json) Console.Out.WriteLine($"grading: {ended} of {runs.Count} runs ended");
            shown = ended;
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            submission = await api.GetAsync($"/api/submissions/{Text(submission, "id")}", ct);
        }
        if (!json) Console.Out.WriteLine($"{Text(submission, "state")}: {Text(submission, "autoSummary")}");
        return submission;
    }
}

public sealed class ExportCommand : DojoCommand<ExportCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<exercise-id>")]
        public string ExerciseId { get; init; } = "";

        [CommandOption("-o|--output <PATH>")]
        [Description("Where to save the zip (default: the server's name for it)")]
        public string? Output { get; init; }
    }

    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct)
    {
        Guid exercise = ParseId(settings.ExerciseId, "exercise");
        using var response = await api.DownloadAsync($"/api/exercises/{exercise}/export", ct);
        string name = response.Content.Headers.ContentDisposition?.FileNameStar ?? $"exercise-{exercise:N}-submissions.zip";
        string output = Path.GetFullPath(settings.Output ?? Path.GetFileName(name));
        await using (var file = System.IO.File.Create(output)) await response.Content.CopyToAsync(file, ct);
        if (settings.Json) Console.Out.WriteLine(JsonSerializer.Serialize(new { path = output, bytes = new FileInfo(output).Length }));
        else AnsiConsole.MarkupLineInterpolated($"Saved {output}");
        return ExitCodes.Ok;
    }
}
