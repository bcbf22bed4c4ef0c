using Dojo.Worker.Training;

namespace Dojo.Api.Tests;

public sealed class TorchRuntimeTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("dojo-torch-").FullName;

    [Fact]
    public void Build_output_loads_and_makes_tensors()
    {
        Assert.Equal("the native libraries load, but libtorch failed to initialise (see the inner exception)",
            TorchRuntime.Diagnose(AppContext.BaseDirectory));
        using var tensor = TorchSharp.torch.ones(3);
        Assert.Equal(3f, tensor.sum().item<float>());
    }

    [Fact]
    public void Unpatched_library_is_diagnosed_with_the_loader_message_not_torchsharps()
    {
        // The library as NuGet ships it, before the build marks GLIBCXX_3.4.32 weak.
        string shipped = Path.Combine(NuGetPackages(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(shipped), shipped);
        // A link, not a copy: the loader sees the libtorch already loaded here (a second copy would initialise twice and abort).
        File.CreateSymbolicLink(Path.Combine(_directory, "libtorch_cpu.so"), Path.Combine(AppContext.BaseDirectory, "libtorch_cpu.so"));
        File.Copy(shipped, Path.Combine(_directory, "libLibTorchSharp.so"));

        string diagnosis = TorchRuntime.Diagnose(_directory);

        Assert.Contains("GLIBCXX_3.4.32", diagnosis);
        Assert.Contains("WeakenElfVersions.targets", diagnosis);
    }

    [Fact]
    public void Missing_library_is_named()
    {
        Assert.Contains("libtorch_cpu.so is missing", TorchRuntime.Diagnose(_directory));
    }

    private static string NuGetPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
