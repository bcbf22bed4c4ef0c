namespace Dojo.Domain.Jobs;

/// <summary>A worker process and what it offers; live while its heartbeat is recent.</summary>
public sealed class WorkerRegistration
{
    private WorkerRegistration() { }

    public string Id { get; private set; } = "";
    /// <summary>Comma-separated devices ("cpu,cuda:0").</summary>
    public string Devices { get; private set; } = "";
    public int Slots { get; private set; }
    public DateTime StartedAt { get; private set; }
    public DateTime HeartbeatAt { get; private set; }

    public static WorkerRegistration Create(string id, IEnumerable<string> devices, int slots, DateTime now) => new()
    {
        Id = id,
        Devices = string.Join(',', devices),
        Slots = slots,
        StartedAt = now,
        HeartbeatAt = now,
    };
}
