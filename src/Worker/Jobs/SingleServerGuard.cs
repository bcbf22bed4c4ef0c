using Dojo.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Dojo.Worker.Jobs;

/// <summary>
/// Hangfire's SQLite storage runs jobs twice when two servers share one file (DESIGN.md). Before the
/// Hangfire server starts, this takes an exclusive lock on a file beside the Hangfire database; a
/// second server on the same storage fails at start with an error that says what to do instead. On PostgreSQL it
/// takes no lock.
/// </summary>
public sealed class SingleServerGuard(IOptions<DojoOptions> options) : IHostedService, IDisposable
{
    private FileStream? _lock;

    public string LockPath => options.Value.ResolvedHangfireDatabase + ".server.lock";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.IsPostgres) return Task.CompletedTask; // Hangfire.PostgreSql shares its queue among any number of servers
        Directory.CreateDirectory(Path.GetDirectoryName(LockPath)!);
        try
        {
            _lock = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            _lock.SetLength(0);
            using var writer = new StreamWriter(_lock, leaveOpen: true);
            writer.Write($"{Environment.MachineName}:{Environment.ProcessId}");
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"Another Hangfire server already serves {options.Value.ResolvedHangfireDatabase} (lock {LockPath} is held). " +
                "With SQLite only one may run: start the API with Dojo__Worker__InProcess=false when a separate worker runs, " +
                "or run one worker per SQLite file.", ex);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }
}
