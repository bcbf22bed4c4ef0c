using Microsoft.Extensions.Options;

namespace Dojo.Storage;

/// <summary>The formats trained weights are kept in: TorchSharp's, safetensors, and PyTorch's <c>torch.save</c> of the state dict.</summary>
public enum ModelFormat { TorchSharp, Safetensors, PyTorch }

/// <summary>
/// Where a job's files live: <c>{DataDirectory}/jobs/{id}/</c> — checkpoints (<c>checkpoint-{epoch}.bin</c>) and each
/// trained network under its name (<c>model.bin</c>, <c>generator.safetensors</c>, …; names are <see cref="Domain.Jobs.ModelNames"/>).
/// </summary>
public sealed class JobFiles(IOptions<DojoOptions> options)
{
    public string Directory(Guid jobId) => Path.Combine(options.Value.FullDataDirectory, "jobs", jobId.ToString("N"));
    public string Checkpoint(Guid jobId, int epoch) => Path.Combine(Directory(jobId), $"checkpoint-{epoch}.bin");

    public string Model(Guid jobId, string name, ModelFormat format) => Domain.Jobs.ModelNames.IsValid(name)
        ? Path.Combine(Directory(jobId), name + Extension(format))
        : throw new ArgumentException($"'{name}' is not a model name", nameof(name));

    /// <summary>The names of the trained networks a job has (none until it has succeeded).</summary>
    public IReadOnlyList<string> ModelNames(Guid jobId)
    {
        string directory = Directory(jobId);
        if (!System.IO.Directory.Exists(directory)) return [];
        return System.IO.Directory.EnumerateFiles(directory, "*" + Extension(ModelFormat.TorchSharp))
            .Select(Path.GetFileNameWithoutExtension).OfType<string>()
            .Where(Domain.Jobs.ModelNames.IsValid).Order(StringComparer.Ordinal).ToList();
    }

    public static string Extension(ModelFormat format) => format switch
    {
        ModelFormat.Safetensors => ".safetensors",
        ModelFormat.PyTorch => ".pt",
        _ => ".bin",
    };

    /// <summary>
    /// Writes via a temporary file and a rename, so a reader never sees half a file. No fsync: a file
    /// written before a process crash is intact (the kernel has it); a machine crash may lose the newest
    /// checkpoint, as SQLite's own WAL may lose the newest commit.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(bytes);
        }
        File.Move(temp, path, overwrite: true);
    }
}
