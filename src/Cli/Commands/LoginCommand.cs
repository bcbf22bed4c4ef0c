using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Dojo.Cli.Commands;

public sealed class LoginCommand : AsyncCommand<LoginCommand.Settings>
{
    public sealed class Settings : OutputSettings
    {
        [CommandArgument(0, "<server>")]
        [Description("The Dojo server's REST address, e.g. http://127.0.0.1:5080")]
        public string Server { get; init; } = "";

        [CommandOption("--token <TOKEN>")]
        [Description("Your token (else $DOJO_TOKEN, else asked for)")]
        public string? Token { get; init; }

        [CommandOption("--grpc <ADDRESS>")]
        [Description("The server's gRPC address for watch (default: the REST port + 1, as Dojo starts)")]
        public string? Grpc { get; init; }

        public override ValidationResult Validate() =>
            Uri.TryCreate(Server, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? ValidationResult.Success() : ValidationResult.Error($"'{Server}' is not an http(s) address");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken ct)
    {
        string token = settings.Token ?? Environment.GetEnvironmentVariable("DOJO_TOKEN")
            ?? (AnsiConsole.Profile.Capabilities.Interactive ? AnsiConsole.Prompt(new TextPrompt<string>("Token:").Secret())
                : throw new CliException(ExitCodes.Usage, "give the token with --token or $DOJO_TOKEN"));
        var config = new DojoConfig(settings.Server.TrimEnd('/'), (settings.Grpc ?? DojoConfig.GrpcBeside(settings.Server)).TrimEnd('/'), token.Trim());
        using var api = new DojoApi(config);
        var me = await api.GetAsync("/api/me", ct); // refuses a wrong token before it is saved
        config.Save();
        if (settings.Json) Console.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(me));
        else AnsiConsole.MarkupLineInterpolated($"Logged in to {config.Server} as [bold]{me.GetProperty("name").GetString()}[/] ({me.GetProperty("role").GetString()}); saved in {DojoConfig.File}");
        return ExitCodes.Ok;
    }
}
