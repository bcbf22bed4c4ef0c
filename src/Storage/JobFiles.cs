using Microsoft.Extensions.Options;

namespace Dojo.Storage;

/// <summary>The formats trained weights are kept in: TorchSharp's, safetensors, and PyTorch's <c>torch.save</c> of the state dict.</summary>
public enum ModelFormat { TorchSharp, Safetensors, PyTorch }

/// <summary>
/// Where a job's files live: <c>{DataDirectory}/jobs/{id}/</c> — checkpoints (<c>checkpoint-{epoch}.bin</c>), each
/// trained network under its name (<c>model.bin</c>, <c>generator.safetensors</c>, …; names are <see cref="Domain.Jobs.ModelNames"/>),
/// and what a trainer keeps for people to look at (<c>files/samples-epoch-007.png</c>).
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

    /// <summary>A file a trainer kept with the job (a GAN's sample grid of an epoch): <c>files/{name}</c>, a name <see cref="IsFileName"/> allows.</summary>
    public string File(Guid jobId, string name) => IsFileName(name)
        ? Path.Combine(Directory(jobId), "files", name)
        : throw new ArgumentException($"'{name}' is not a job file name", nameof(name));

    /// <summary>The files a trainer kept with the job, by name.</summary>
    public IReadOnlyList<(string Name, long Bytes)> Files(Guid jobId)
    {
        string directory = Path.Combine(Directory(jobId), "files");
        if (!System.IO.Directory.Exists(directory)) return [];
        return new DirectoryInfo(directory).EnumerateFiles().Where(f => IsFileName(f.Name))
            .OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (f.Name, f.Length)).ToList();
    }

    /// <summary>Lower-case letters, digits and dashes, then <c>.png</c> or <c>.json</c>: a name that is safe as a path and says what it holds.</summary>
    public static bool IsFileName(string? name) => name is not null && System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9-]{0,63}\\.(png|json)$");

    /// <summary>The media type a kept file is served as, by its extension.</summary>
    public static string ContentType(string name) => name.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "image/png";

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
        System.IO.File.Move(temp, path, overwrite: true);
    }
}
