using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dojo.Worker.Training;

/// <summary>
/// Checks at start-up that TorchSharp's native library loads and a tensor can be made. When it cannot,
/// the process stops with the loader's own message (e.g. "version `GLIBCXX_3.4.32' not found") rather
/// than TorchSharp's misleading "doesn't contain a reference to libtorch-cpu-linux-x64".
/// </summary>
public sealed class TorchRuntime(ILogger<TorchRuntime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var probe = TorchSharp.torch.ones(2, 2);
            logger.LogInformation("TorchSharp ready: libtorch {Version}, CUDA available: {Cuda}",
                TorchSharp.torch.__version__, TorchSharp.torch.cuda.is_available());
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"TorchSharp cannot make a tensor: {Diagnose(AppContext.BaseDirectory)}", ex);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads the native libraries in <paramref name="directory"/> directly to surface the dynamic loader's error.</summary>
    public static string Diagnose(string directory)
    {
        foreach (var name in new[] { "libtorch_cpu.so", "libLibTorchSharp.so" })
        {
            string path = Path.Combine(directory, name);
            if (!File.Exists(path)) return $"{path} is missing (is the libtorch-cpu-linux-x64 package referenced?)";
            try
            {
                NativeLibrary.Free(NativeLibrary.Load(path));
            }
            catch (Exception ex)
            {
                return $"the dynamic loader refused {path}: {ex.Message}. The build marks libLibTorchSharp.so's " +
                       "GLIBCXX_3.4.32 requirement weak (build/WeakenElfVersions.targets); run from `dotnet build` or `dotnet publish` output.";
            }
        }
        return "the native libraries load, but libtorch failed to initialise (see the inner exception)";
    }
}
