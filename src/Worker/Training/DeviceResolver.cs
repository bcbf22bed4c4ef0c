using Dojo.Domain.Specs;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>Which devices this process can train on, and the torch device for a job's device name.</summary>
public sealed class DeviceResolver
{
    public IReadOnlyList<string> Available { get; } = Detect();

    public Device Resolve(DeviceName name)
    {
        if (name.Kind == "cpu" || (name.Kind == "auto" && !cuda.is_available())) return CPU;
        if (!cuda.is_available()) throw new InvalidOperationException($"device {name} asked for, but CUDA is not available on this worker");
        return new Device(TorchSharp.DeviceType.CUDA, name.Index ?? 0);
    }

    private static List<string> Detect()
    {
        var devices = new List<string> { "cpu" };
        if (cuda.is_available())
            for (int i = 0; i < cuda.device_count(); i++) devices.Add($"cuda:{i}");
        return devices;
    }
}
