using System.ComponentModel;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

public sealed class WatchCommand : DojoCommand<WatchCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<job-id>")]
        public string JobId { get; init; } = "";
    }

    protected override Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct) =>
        JobWatch.RunAsync(config, api, ParseId(settings.JobId, "job"), settings.Json, ct);
}
