using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// A trained network's state dict in three formats: TorchSharp's (<c>module.load</c>), safetensors
/// (<c>safetensors.torch.load_file</c>) and PyTorch's own (<c>torch.load</c>), with the same keys.
/// </summary>
public sealed record TrainedWeights(byte[] TorchSharp, byte[] Safetensors, byte[] PyTorch)
{
    public static TrainedWeights Of(nn.Module module)
    {
        using var torchSharp = new MemoryStream();
        module.save(torchSharp);
        using var safetensors = new MemoryStream();
        module.save_safetensors(safetensors, leaveOpen: true);
        using var pytorch = new MemoryStream();
        module.save_py(pytorch, leaveOpen: true);
        return new TrainedWeights(torchSharp.ToArray(), safetensors.ToArray(), pytorch.ToArray());
    }
}
