namespace Dojo.Worker;

/// <summary>How a worker serves jobs (section <c>Dojo:Worker</c>).</summary>
public sealed class WorkerOptions
{
    public const string Section = "Dojo:Worker";

    /// <summary>API only: host the worker inside the API process (the default, a complete system in one process).</summary>
    public bool InProcess { get; set; } = true;

    /// <summary>This worker's id in the Workers table and in job leases; default host:pid:random.</summary>
    public string? Name { get; set; }

    /// <summary>Jobs trained at once, each on its own thread. Default: the core count.</summary>
    public int Slots { get; set; } = Environment.ProcessorCount;

    /// <summary>libtorch intra-op threads per job (per OS thread). 1 is fastest on a busy small machine (DESIGN.md).</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Devices to offer; default: every device this process can use ("cpu", "cuda:0", ...).</summary>
    public string[]? Devices { get; set; }

    /// <summary>How long a claim holds without renewal; a job whose worker died is re-queued after this.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often the worker records its heartbeat and looks for expired leases.</summary>
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>A worker whose heartbeat is older than this is not live.</summary>
    public double WorkerTimeoutSeconds { get; set; } = 20;

    /// <summary>
    /// The least time between two checkpoints of a job. An epoch's end takes a checkpoint once the last one
    /// is this old: every epoch for long epochs, about once a second for playground nets whose epochs last
    /// milliseconds. A crashed job loses at most this much training (plus the epoch in progress).
    /// </summary>
    public double CheckpointMinSeconds { get; set; } = 1;

    /// <summary>A queued job not handed to Hangfire after this long (its API stopped in between) is handed over by a worker.</summary>
    public double UndeliveredGraceSeconds { get; set; } = 10;

    /// <summary>
    /// How many times a job that fails inside LibTorch (an internal error, not a bad spec or a divergence) is retried
    /// from its last checkpoint before it ends failed; resume is exact, so a retry cannot change the result.
    /// </summary>
    public int MaxInternalRetries { get; set; } = 2;

    /// <summary>How often a running job checks whether it was cancelled.</summary>
    public int CancelPollMilliseconds { get; set; } = 250;

    /// <summary>Host and pid, plus a random part: containers on one host can share both (pid 1, host network).</summary>
    public string ResolvedName => _resolvedName ??= Name ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    private string? _resolvedName;
    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);
}
