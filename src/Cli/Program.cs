using Dojo.Cli;
using Dojo.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

// `dojo`: Dojo from a terminal or a script. Every command answers --json for scripts and ends with an exit code
// (ExitCodes): 0 done, 1 the server refused (its message printed), 2 a wrong command line, 3 a watched job did not
// succeed, 4 the server unreachable, 5 not logged in.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("dojo");
    config.UseAssemblyInformationalVersion();
    config.AddCommand<LoginCommand>("login").WithDescription("Save the server's address and your token (in your config directory)")
        .WithExample("login", "http://127.0.0.1:5080", "--token", "dojo_…");
    config.AddCommand<SubmitCommand>("submit").WithDescription("Submit a job: a spec file (JSON) or a playground URL")
        .WithExample("submit", "samples/xor.json", "--watch");
    config.AddCommand<WatchCommand>("watch").WithDescription("Follow a job live to its end (progress, loss, accuracy), resuming after a dropped connection");
    config.AddCommand<JobsCommand>("jobs").WithDescription("Your jobs (an instructor's: everyone's), newest first");
    config.AddCommand<CancelCommand>("cancel").WithDescription("Cancel a queued or running job");
    config.AddCommand<DownloadCommand>("download").WithDescription("Download a job's weights, a plot or its metrics")
        .WithExample("download", "<job id>", "--format", "safetensors");
    config.AddCommand<ExercisesCommand>("exercises").WithDescription("Your exercises with due dates, attempts and grades (an instructor's: every course's)");
    config.AddCommand<HandInCommand>("hand-in").WithDescription("Hand in an exercise: playground URLs, a finished job, or a report file")
        .WithExample("hand-in", "<exercise id>", "--url", "xor=https://playground.tensorflow.org/#…", "--url", "spiral=https://…");
    config.AddCommand<ExportCommand>("export").WithDescription("Instructors: an exercise's gradebook and files as a zip");
    config.SetExceptionHandler((exception, _) =>
    {
        switch (exception)
        {
            case CliException cli:
                AnsiConsole.Console.Profile.Out.Writer.Flush();
                Console.Error.WriteLine($"dojo: {cli.Message}");
                return cli.ExitCode;
            case CommandAppException usage:
                Console.Error.WriteLine($"dojo: {usage.Message}");
                return ExitCodes.Usage;
            case OperationCanceledException:
                return 130;
            default:
                Console.Error.WriteLine($"dojo: {exception.Message}");
                return ExitCodes.Refused;
        }
    });
});
return await app.RunAsync(args);
