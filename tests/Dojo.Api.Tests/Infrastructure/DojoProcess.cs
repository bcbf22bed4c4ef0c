using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>
/// A real Dojo process (API or worker) started from the build output, with its console captured, for
/// end-to-end tests on loopback ports. Disposing kills it.
/// </summary>
public sealed class DojoProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DojoProcess(string arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static DojoProcess Api(string dataDirectory, int restPort, int grpcPort, bool inProcessWorker, params (string, string)[] settings) =>
        new(Dll("Api"), Settings(dataDirectory, settings, ("Dojo__Worker__InProcess", inProcessWorker ? "true" : "false"),
            ("Kestrel__Endpoints__Rest__Url", $"http://127.0.0.1:{restPort}"),
            ("Kestrel__Endpoints__Grpc__Url", $"http://127.0.0.1:{grpcPort}")));

    public static DojoProcess Worker(string dataDirectory, params (string, string)[] settings) =>
        new(Dll("Worker"), Settings(dataDirectory, settings));

    /// <summary>A command of the API program (<c>backup &lt;folder&gt;</c>) on a data directory.</summary>
    public static DojoProcess Command(string dataDirectory, params string[] arguments) =>
        new($"{Dll("Api")} {string.Join(" ", arguments.Select(a => $"\"{a}\""))}", Settings(dataDirectory, []));

    /// <summary>A worker that also trains the tests' own job kind: this test assembly run as a program (<see cref="TestProgram"/>).</summary>
    public static DojoProcess TestWorker(string dataDirectory, params (string, string)[] settings) =>
        new($"\"{typeof(TestProgram).Assembly.Location}\" worker", Settings(dataDirectory, settings));

    public string Output => string.Join('\n', _output);

    /// <summary>The process's resident memory now (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        string line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public async Task<Match> WaitForOutputAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var line in _output)
                if (regex.Match(line) is { Success: true } match) return match;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no output matching '{pattern}' within {timeout}; output:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM: the process is asked to stop, as a container runtime or systemd asks it.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", $"-TERM {_process.Id}");
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: the process gets no chance to release anything.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>An HTTP client to a Dojo process's REST port, sending <paramref name="token"/>.</summary>
    public static HttpClient Client(int restPort, string token) =>
        new(new BearerHandler(token) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri($"http://127.0.0.1:{restPort}/") };

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Dictionary<string, string> Settings(string dataDirectory, (string, string)[] settings, params (string, string)[] more)
    {
        var all = new Dictionary<string, string>
        {
            ["Dojo__DataDirectory"] = dataDirectory,
            ["Dojo__Worker__HeartbeatSeconds"] = "1",
            ["Dojo__Worker__LeaseSeconds"] = "3",
            ["Dojo__Worker__WorkerTimeoutSeconds"] = "5",
            ["Dojo__QueueInvisibilitySeconds"] = "10", // PostgreSQL: a killed worker's fetched message comes back within 10 s
            ["Dojo__Auth__BootstrapToken"] = DojoFactory.InstructorToken,
        };
        foreach (var (key, value) in more.Concat(settings)) all[key] = value;
        return all;
    }

    /// <summary>The project's dll in the same configuration as this test assembly (bin/{Configuration}/net10.0/linux-x64).</summary>
    public static string Dll(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var relative = Path.Combine(testOutput.Parent!.Parent!.Name, testOutput.Parent.Name, testOutput.Name); // Debug/net10.0/linux-x64
        string dll = Path.Combine(RepositoryRoot(), "src", project, "bin", relative, $"Dojo.{project}.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"build src/{project} first", dll);
        return dll;
    }

    /// <summary>The checkout this test runs from: the folder above the build output that holds Dojo.sln.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dojo.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Dojo.sln not found above " + AppContext.BaseDirectory);
    }
}
