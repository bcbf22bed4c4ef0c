using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

/// <summary>What every command that prints takes: <c>--json</c> for the server's JSON as it is, one document per line.</summary>
public class OutputSettings : CommandSettings
{
    [CommandOption("--json")]
    [Description("Print JSON (the server's own) instead of text, for scripts")]
    public bool Json { get; init; }
}

/// <summary>A command with the saved login: the API at hand, and printing that honours --json.</summary>
public abstract class DojoCommand<TSettings> : AsyncCommand<TSettings> where TSettings : OutputSettings
{
    protected static readonly JsonSerializerOptions Compact = new(JsonSerializerDefaults.Web);

    public sealed override async Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken ct)
    {
        var config = DojoConfig.Load();
        using var api = new DojoApi(config);
        return await RunAsync(config, api, settings, ct);
    }

    protected abstract Task<int> RunAsync(DojoConfig config, DojoApi api, TSettings settings, CancellationToken ct);

    protected static void PrintJson(JsonElement element) => Console.Out.WriteLine(JsonSerializer.Serialize(element, Compact));

    protected static string Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
            ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.ToString()
            : "";

    protected static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns) table.AddColumn(column);
        return table;
    }

    protected static Guid ParseId(string text, string what) =>
        Guid.TryParse(text, out var id) ? id : throw new CliException(ExitCodes.Usage, $"{what} '{text}' is not an id (a UUID)");
}
