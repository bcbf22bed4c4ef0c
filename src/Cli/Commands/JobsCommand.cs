using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

public sealed class JobsCommand : DojoCommand<JobsCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandOption("--state <STATE>")]
        [Description("Only jobs in this state: queued, running, succeeded, failed, cancelled, diverged")]
        public string? State { get; init; }

        [CommandOption("--limit <N>")]
        [Description("How many (default 20, at most 500)")]
        public int Limit { get; init; } = 20;
    }

    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct)
    {
        var page = await api.GetAsync($"/api/jobs?pageSize={settings.Limit}{(settings.State is null ? "" : "&state=" + Uri.EscapeDataString(settings.State))}", ct);
        if (settings.Json)
        {
            PrintJson(page);
            return ExitCodes.Ok;
        }
        var table = NewTable("id", "name", "kind", "state", "created (UTC)", "test accuracy");
        foreach (var job in page.GetProperty("items").EnumerateArray())
        {
            string accuracy = job.TryGetProperty("result", out var result) && result.ValueKind == System.Text.Json.JsonValueKind.Object
                && result.TryGetProperty("test_accuracy", out var value) ? value.GetDouble().ToString("0.000") : "";
            table.AddRow(Markup.Escape(Text(job, "id")), Markup.Escape(Text(job, "name")), Markup.Escape(Text(job.GetProperty("spec"), "kind")),
                Markup.Escape(Text(job, "state")), Markup.Escape(Text(job, "createdAt")), accuracy);
        }
        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}

public sealed class CancelCommand : DojoCommand<CancelCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<job-id>")]
        public string JobId { get; init; } = "";
    }

    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct)
    {
        var job = await api.PostAsync($"/api/jobs/{ParseId(settings.JobId, "job")}/cancel", null, ct);
        if (settings.Json) PrintJson(job);
        else AnsiConsole.MarkupLineInterpolated($"Job {Text(job, "id")}: {Text(job, "state")}{(Text(job, "state") == "running" ? " (stops at its next step)" : "")}");
        return ExitCodes.Ok;
    }
}
