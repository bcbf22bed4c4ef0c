using Microsoft.Data.Sqlite;

namespace Dojo.Storage;

/// <summary>
/// A copy of a data directory taken while Dojo runs, in the data directory's own layout, so that restoring is starting
/// Dojo on it: <c>dojo.db</c> and <c>hangfire.db</c> through SQLite's online backup API (a consistent snapshot; writers
/// go on meanwhile), and the job, data set and report files. Files are written whole by rename, so a copy never sees half
/// of one; the job files are copied before and after the database snapshot, so a running job's checkpoint that the
/// snapshot names is in the copy. Run as <c>dotnet Dojo.Api.dll backup &lt;folder&gt;</c> with the API's configuration.
/// </summary>
public static class DataBackup
{
    private static readonly string[] Folders = ["jobs", "datasets", "files"];

    /// <summary>Copies the data directory of <paramref name="options"/> into <paramref name="target"/> (which must not exist or be empty); returns what it wrote.</summary>
    public static string Run(DojoOptions options, string target)
    {
        if (options.IsPostgres)
            throw new InvalidOperationException("Dojo's database is PostgreSQL: back it up with pg_dump; this command copies SQLite data directories");
        target = Path.GetFullPath(target);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new IOException($"{target} is not empty; back up into a new folder");
        Directory.CreateDirectory(target);
        string source = options.FullDataDirectory;
        CopyFiles(source, target);
        Snapshot(options.ResolvedConnectionString, Path.Combine(target, "dojo.db"));
        if (File.Exists(options.ResolvedHangfireDatabase))
            Snapshot($"Data Source={options.ResolvedHangfireDatabase}", Path.Combine(target, "hangfire.db"));
        CopyFiles(source, target); // what was written while the snapshot was taken
        int files = Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Count();
        return $"backed up {source} into {target}: 2 databases and {files - 2} files";
    }

    private static void Snapshot(string connectionString, string targetFile)
    {
        using var source = new SqliteConnection(connectionString);
        source.Open();
        using var target = new SqliteConnection($"Data Source={targetFile};Pooling=False");
        target.Open();
        source.BackupDatabase(target);
    }

    /// <summary>Files not copied yet (files are immutable once in place; in-progress uploads and temporary files are left out).</summary>
    private static void CopyFiles(string source, string target)
    {
        foreach (string folder in Folders)
        {
            string from = Path.Combine(source, folder);
            if (!Directory.Exists(from)) continue;
            foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(source, file);
                if (relative.Split(Path.DirectorySeparatorChar).Contains("incoming") || file.EndsWith(".tmp", StringComparison.Ordinal)) continue;
                string to = Path.Combine(target, relative);
                if (File.Exists(to)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                try
                {
                    File.Copy(file, to);
                }
                catch (FileNotFoundException)
                {
                    // replaced meanwhile (an older checkpoint once a newer one is committed): the newer one is copied
                }
            }
        }
    }
}
