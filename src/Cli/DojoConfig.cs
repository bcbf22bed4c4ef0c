using System.Text.Json;

namespace Dojo.Cli;

/// <summary>
/// Where the dojo command finds its server and token: <c>config.json</c> in the user's config directory
/// (<c>$DOJO_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/dojo</c>, else <c>~/.config/dojo</c>), written by
/// <c>dojo login</c> and readable by the user only. <c>DOJO_SERVER</c>, <c>DOJO_GRPC</c> and <c>DOJO_TOKEN</c>
/// override it (for scripts and CI).
/// </summary>
public sealed record DojoConfig(string Server, string Grpc, string Token)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Directory =>
        Environment.GetEnvironmentVariable("DOJO_CONFIG_DIR") is { Length: > 0 } given ? given
        : Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? Path.Combine(xdg, "dojo")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "dojo");

    public static string File => Path.Combine(Directory, "config.json");

    /// <summary>The saved login with the environment's overrides; throws <see cref="CliException"/> when there is none.</summary>
    public static DojoConfig Load()
    {
        DojoConfig? saved = System.IO.File.Exists(File) ? JsonSerializer.Deserialize<DojoConfig>(System.IO.File.ReadAllText(File), Json) : null;
        string? server = Environment.GetEnvironmentVariable("DOJO_SERVER") ?? saved?.Server;
        string? token = Environment.GetEnvironmentVariable("DOJO_TOKEN") ?? saved?.Token;
        if (server is null || token is null)
            throw new CliException(ExitCodes.NotLoggedIn, "not logged in: run `dojo login <server> --token <token>` first");
        string grpc = Environment.GetEnvironmentVariable("DOJO_GRPC") ?? saved?.Grpc ?? GrpcBeside(server);
        return new DojoConfig(server.TrimEnd('/'), grpc.TrimEnd('/'), token);
    }

    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        string temp = File + ".tmp";
        System.IO.File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        System.IO.File.Move(temp, File, overwrite: true);
    }

    /// <summary>Dojo's gRPC port beside its REST port, as it is started by default (5080 → 5081).</summary>
    public static string GrpcBeside(string server)
    {
        var uri = new Uri(server);
        return new UriBuilder(uri) { Port = uri.Port + 1, Path = "" }.Uri.ToString().TrimEnd('/');
    }
}

/// <summary>The dojo command's exit codes, for scripts.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The server answered with an error (bad input, not found, not allowed): its message is printed.</summary>
    public const int Refused = 1;
    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
    /// <summary>A watched job ended failed, cancelled or diverged.</summary>
    public const int JobNotSucceeded = 3;
    /// <summary>The server could not be reached.</summary>
    public const int Unreachable = 4;
    public const int NotLoggedIn = 5;
}

/// <summary>A failure the command reports in one line and ends with its exit code.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
