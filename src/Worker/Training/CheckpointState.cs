using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Dojo.Worker.Training;

/// <summary>
/// A trained model's state dict in three formats: TorchSharp's (<c>module.load</c>), safetensors
/// (<c>safetensors.torch.load_file</c>) and PyTorch's own (<c>torch.load</c>), with the same keys.
/// </summary>
public sealed record TrainedWeights(byte[] TorchSharp, byte[] Safetensors, byte[] PyTorch);

/// <summary>A trainer's resumable state: the model's state dict (weights and buffers) followed by the optimizer's.</summary>
public static class CheckpointState
{
    public static byte[] Save(nn.Module model, TrainingOptimizer optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.save(writer);
            optimizer.Save(writer);
        }
        return stream.ToArray();
    }

    public static void Restore(byte[] state, nn.Module model, TrainingOptimizer optimizer)
    {
        using var reader = new BinaryReader(new MemoryStream(state));
        model.load(reader);
        optimizer.Load(reader);
    }

    /// <summary>The trained weights alone, in TorchSharp's format and in two that PyTorch reads.</summary>
    public static TrainedWeights SaveModel(nn.Module model)
    {
        using var torchSharp = new MemoryStream();
        model.save(torchSharp);
        using var safetensors = new MemoryStream();
        model.save_safetensors(safetensors, leaveOpen: true);
        using var pytorch = new MemoryStream();
        model.save_py(pytorch, leaveOpen: true);
        return new TrainedWeights(torchSharp.ToArray(), safetensors.ToArray(), pytorch.ToArray());
    }
}
