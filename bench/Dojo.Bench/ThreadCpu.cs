namespace Dojo.Bench;

/// <summary>
/// Where a Linux process's CPU time went, by kind of thread, read from /proc/{pid}/task/*/stat: the training threads
/// (Hangfire's "Worker #n"), the JIT's background compiler, the garbage collector and everything else (HTTP, timers,
/// Hangfire's polling, commits). Two readings subtract to what a batch cost, so a slower batch can be told apart into
/// slower training and a thread that took a core from it.
/// </summary>
public sealed record ThreadCpu(double Training, double Jit, double Gc, double Other)
{
    public double Total => Training + Jit + Gc + Other;

    public static ThreadCpu Read(int pid)
    {
        double training = 0, jit = 0, gc = 0, other = 0;
        double tick = 100; // USER_HZ, the kernel's unit for utime and stime: 100 on every Linux this runs on
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(task, "stat")); }
            catch (IOException) { continue; } // the thread ended between the listing and the read
            // "tid (name) state ..." — the name may hold spaces and parentheses: it ends at the last ')'.
            string name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double seconds = (long.Parse(fields[11]) + long.Parse(fields[12])) / tick; // utime, stime
            if (name.StartsWith("Worker #", StringComparison.Ordinal)) training += seconds;
            else if (name.StartsWith(".NET Tiered Com", StringComparison.Ordinal)) jit += seconds;
            else if (name.Contains("GC", StringComparison.Ordinal)) gc += seconds;
            else other += seconds;
        }
        return new ThreadCpu(training, jit, gc, other);
    }

    public static ThreadCpu operator -(ThreadCpu after, ThreadCpu before) =>
        new(after.Training - before.Training, after.Jit - before.Jit, after.Gc - before.Gc, after.Other - before.Other);
}
