using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

public sealed class SubmitCommand : DojoCommand<SubmitCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<spec-or-url>")]
        [Description("A job spec file (JSON, as samples/xor.json) or a TensorFlow Playground URL (trained exactly as the page does)")]
        public string Source { get; init; } = "";

        [CommandOption("--name <NAME>")]
        [Description("The job's name")]
        public string? Name { get; init; }

        [CommandOption("--epochs <N>")]
        [Description("For a playground URL: how many epochs (default: the server's)")]
        public int? Epochs { get; init; }

        [CommandOption("--watch")]
        [Description("Then follow it to its end, as dojo watch")]
        public bool Watch { get; init; }
    }

    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct)
    {
        JsonObject request;
        if (settings.Source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || settings.Source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var parsed = await api.PostAsync("/api/playground/parse", new { url = settings.Source, epochs = settings.Epochs }, ct);
            request = JsonNode.Parse(parsed.GetProperty("exact").GetRawText())!.AsObject();
        }
        else
        {
            if (!File.Exists(settings.Source)) throw new CliException(ExitCodes.Usage, $"no file {settings.Source} (give a spec file or a playground URL)");
            try
            {
                request = JsonNode.Parse(await File.ReadAllTextAsync(settings.Source, ct)) as JsonObject
                    ?? throw new CliException(ExitCodes.Usage, $"{settings.Source} does not hold a JSON object");
            }
            catch (JsonException ex)
            {
                throw new CliException(ExitCodes.Usage, $"{settings.Source} is not JSON: {ex.Message}");
            }
        }
        if (settings.Name is not null) request["name"] = settings.Name;
        var job = await api.PostAsync("/api/jobs", request, ct);
        Guid id = job.GetProperty("id").GetGuid();
        if (settings.Json) PrintJson(job);
        else AnsiConsole.MarkupLineInterpolated($"Submitted job [bold]{id}[/] ({Text(job, "state")})");
        return settings.Watch ? await JobWatch.RunAsync(config, api, id, settings.Json, ct) : ExitCodes.Ok;
    }
}
