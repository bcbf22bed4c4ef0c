using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Dojo.Api.Tests.Infrastructure;

/// <summary>
/// tests/clients/node/watch.mjs: a grpc-js client that loads src/Protos/dojo/v1/jobs.proto, so the
/// stream is checked with another gRPC implementation than .NET's. Installs its packages on first use.
/// </summary>
public static class NodeWatchClient
{
    private static readonly SemaphoreSlim InstallOnce = new(1, 1);

    public static async Task<List<JsonObject>> WatchAsync(string address, string token, Guid jobId, long fromSeq)
    {
        string directory = Path.Combine(DojoProcess.RepositoryRoot(), "tests", "clients", "node");
        await EnsureInstalledAsync(directory);
        var (exit, output, error) = await RunAsync("node", $"watch.mjs {address} {token} {jobId} {fromSeq}", directory, TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, $"node watch.mjs exited {exit}: {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
    }

    private static async Task EnsureInstalledAsync(string directory)
    {
        await InstallOnce.WaitAsync();
        try
        {
            if (Directory.Exists(Path.Combine(directory, "node_modules", "@grpc", "grpc-js"))) return;
            var (exit, _, error) = await RunAsync("npm", "ci --no-audit --no-fund", directory, TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, $"npm ci failed in {directory}: {error}");
        }
        finally
        {
            InstallOnce.Release();
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string file, string arguments, string directory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await output, await error);
    }
}
