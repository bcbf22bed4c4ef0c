using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

public sealed class DownloadCommand : DojoCommand<DownloadCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<job-id>")]
        public string JobId { get; init; } = "";

        [CommandOption("--format <FORMAT>")]
        [Description("Weights: torchSharp (default), safetensors or pyTorch")]
        public string Format { get; init; } = "torchSharp";

        [CommandOption("--model <NAME>")]
        [Description("Which network of a job with several (a GAN's generator, …); default model")]
        public string? Model { get; init; }

        [CommandOption("--plot <KIND>")]
        [Description("A plot instead of weights: loss, accuracy or boundary (PNG)")]
        public string? Plot { get; init; }

        [CommandOption("--metrics")]
        [Description("Every epoch's metrics as CSV instead of weights")]
        public bool Metrics { get; init; }

        [CommandOption("-o|--output <PATH>")]
        [Description("Where to save it (default: a name from the job and what it is, in the current folder)")]
        public string? Output { get; init; }

        public override ValidationResult Validate() => Plot is not null && Metrics
            ? ValidationResult.Error("ask for --plot or --metrics, not both") : ValidationResult.Success();
    }

    protected override async Task<int> RunAsync(DojoConfig config, DojoApi api, Settings settings, CancellationToken ct)
    {
        Guid id = ParseId(settings.JobId, "job");
        string model = settings.Model ?? "model";
        var (path, name) = settings switch
        {
            { Metrics: true } => ($"/api/jobs/{id}/metrics.csv", $"{id:N}-metrics.csv"),
            { Plot: { } plot } => ($"/api/jobs/{id}/plots/{Uri.EscapeDataString(plot)}.png", $"{id:N}-{plot}.png"),
            _ => ($"/api/jobs/{id}/model?format={Uri.EscapeDataString(settings.Format)}&name={Uri.EscapeDataString(model)}",
                $"{id:N}-{model}{settings.Format.ToLowerInvariant() switch { "safetensors" => ".safetensors", "pytorch" => ".pt", _ => ".bin" }}"),
        };
        string output = Path.GetFullPath(settings.Output ?? name);
        using (var response = await api.DownloadAsync(path, ct))
        await using (var file = File.Create(output))
            await response.Content.CopyToAsync(file, ct);
        long bytes = new FileInfo(output).Length;
        if (settings.Json) Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(new { path = output, bytes }));
        else AnsiConsole.MarkupLineInterpolated($"Saved {output} ({bytes:N0} bytes)");
        return ExitCodes.Ok;
    }
}
